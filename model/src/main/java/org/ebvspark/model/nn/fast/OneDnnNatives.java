package org.ebvspark.model.nn.fast;

import static org.bytedeco.dnnl.global.dnnl.*;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.javacpp.Pointer;

/**
 * The native objects one layer's oneDNN primitives are made of, destroyed together once the owner
 * is collected ({@link #destroyWhenUnreachable}). JavaCPP-allocated pointers (argument arrays,
 * small buffers) are only kept reachable here; JavaCPP frees them itself.
 */
final class OneDnnNatives {
  private final List<dnnl_primitive_desc> pds = new ArrayList<>();
  private final List<dnnl_primitive> primitives = new ArrayList<>();
  private final List<dnnl_memory> memories = new ArrayList<>();
  private final List<dnnl_primitive_attr> attrs = new ArrayList<>();
  private final List<Pointer> kept = new ArrayList<>();

  /** Registers this set to be destroyed once {@code owner} is unreachable. */
  OneDnnNatives destroyWhenUnreachable(Object owner) {
    OneDnn.CLEANER.register(owner, this::destroy);
    return this;
  }

  dnnl_primitive_desc pd(dnnl_primitive_desc pd) {
    pds.add(pd);
    return pd;
  }

  dnnl_primitive primitive(dnnl_primitive_desc pd) {
    dnnl_primitive p = OneDnn.primitive(pd);
    primitives.add(p);
    return p;
  }

  /** A memory object of this layout whose data handle is set before each use. */
  dnnl_memory memory(dnnl_memory_desc_t desc) {
    dnnl_memory m = OneDnn.memory(desc);
    memories.add(m);
    return m;
  }

  dnnl_primitive_attr attr(dnnl_primitive_attr a) {
    attrs.add(a);
    return a;
  }

  <P extends Pointer> P keep(P p) {
    kept.add(p);
    return p;
  }

  private void destroy() {
    primitives.forEach(p -> dnnl_primitive_destroy(p));
    pds.forEach(p -> dnnl_primitive_desc_destroy(p));
    memories.forEach(m -> dnnl_memory_destroy(m));
    attrs.forEach(a -> dnnl_primitive_attr_destroy(a));
  }
}
