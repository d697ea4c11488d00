package org.ebvspark.model.nn.fast;

import static org.bytedeco.dnnl.global.dnnl.*;

import java.lang.ref.Cleaner;
import org.bytedeco.dnnl.const_dnnl_op_desc_t;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.pointers.PagedPointer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * oneDNN 2.5 called directly (JavaCPP's presets), for the convolutions of the fast layers. libnd4j
 * links its own oneDNN, but creates every primitive afresh on each call and lets oneDNN keep its
 * working buffer only while some primitive of the thread holds it; called here, a layer keeps its
 * primitives and every thread one set of working buffers. Both libraries run on the one OpenMP
 * runtime ND4J loaded first (the dynamic linker resolves the second {@code libgomp.so.1} to it).
 */
final class OneDnn {
  private static final Logger LOG = LoggerFactory.getLogger(OneDnn.class);

  static final Cleaner CLEANER = Cleaner.create();

  /** {@code -Debv.onednn=false} sends the convolutions back through libnd4j. */
  static final String PROPERTY = "ebv.onednn";

  private static final dnnl_engine ENGINE;

  private static final String UNAVAILABLE;

  static {
    dnnl_engine engine = null;
    String why = null;
    if (!FastLayers.kernelsAvailable()) {
      why = "not ND4J's CPU backend";
    } else if ("false".equals(System.getProperty(PROPERTY))) {
      why = "switched off by -D" + PROPERTY + "=false";
    } else {
      try {
        engine = new dnnl_engine();
        check(dnnl_engine_create(engine, dnnl_cpu, 0), "creating the CPU engine");
      } catch (Throwable e) { // a missing native library is an Error
        engine = null;
        why = e.toString();
        LOG.warn("oneDNN unavailable, convolutions go through libnd4j: {}", why);
      }
    }
    ENGINE = engine;
    UNAVAILABLE = why;
  }

  private static final ThreadLocal<dnnl_stream> STREAMS =
      ThreadLocal.withInitial(
          () -> {
            dnnl_stream s = new dnnl_stream();
            check(dnnl_stream_create(s, ENGINE, dnnl_stream_default_flags), "creating a stream");
            return s;
          });

  private OneDnn() {}

  /** Whether the convolutions can run here: the CPU backend, and oneDNN's natives loaded. */
  static boolean available() {
    return ENGINE != null;
  }

  /** What runs the fast layers in this JVM, in words (for a run's config.json). */
  static String description() {
    return available()
        ? "convolutions and batch norms of images: oneDNN 2.5.2 primitives kept per layer"
        : "convolutions: libnd4j conv2d, batch norms: Java kernels (oneDNN: " + UNAVAILABLE + ")";
  }

  static dnnl_engine engine() {
    return ENGINE;
  }

  static void check(int status, String what) {
    if (status != dnnl_success) {
      throw new IllegalStateException("oneDNN: " + what + " failed with status " + status);
    }
  }

  /** A float32 memory descriptor of the given dimensions and layout tag. */
  static dnnl_memory_desc_t desc(long[] dims, int tag) {
    dnnl_memory_desc_t d = new dnnl_memory_desc_t();
    check(dnnl_memory_desc_init_by_tag(d, dims.length, dims, dnnl_f32, tag), "describing memory");
    return d;
  }

  static boolean same(dnnl_memory_desc_t a, dnnl_memory_desc_t b) {
    return dnnl_memory_desc_equal(a, b) == 1;
  }

  static long bytes(dnnl_memory_desc_t d) {
    return dnnl_memory_desc_get_size(d);
  }

  /** Attributes asking for the working buffer to be passed in, not allocated per call. */
  static dnnl_primitive_attr userScratchpad() {
    dnnl_primitive_attr attr = new dnnl_primitive_attr();
    check(dnnl_primitive_attr_create(attr), "creating attributes");
    check(
        dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user),
        "asking for a user scratchpad");
    return attr;
  }

  static dnnl_primitive_desc primitiveDesc(
      Pointer opDesc, dnnl_primitive_attr attr, dnnl_primitive_desc hint, String what) {
    dnnl_primitive_desc pd = new dnnl_primitive_desc();
    check(
        dnnl_primitive_desc_create(pd, new const_dnnl_op_desc_t(opDesc), attr, ENGINE, hint),
        "choosing an implementation for " + what);
    return pd;
  }

  static dnnl_primitive_desc reorderDesc(dnnl_memory_desc_t from, dnnl_memory_desc_t to) {
    dnnl_primitive_desc pd = new dnnl_primitive_desc();
    check(dnnl_reorder_primitive_desc_create(pd, from, ENGINE, to, ENGINE, null), "a reorder");
    return pd;
  }

  static dnnl_primitive primitive(dnnl_primitive_desc pd) {
    dnnl_primitive p = new dnnl_primitive();
    check(dnnl_primitive_create(p, pd), "creating a primitive");
    return p;
  }

  static dnnl_memory_desc_t query(dnnl_primitive_desc pd, int what) {
    return dnnl_primitive_desc_query_md(pd, what, 0);
  }

  /** The implementation oneDNN chose, e.g. {@code jit:avx512_common}. */
  static String implementation(dnnl_primitive_desc pd) {
    PointerPointer<BytePointer> name = new PointerPointer<>(1);
    check(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, name), "naming a primitive");
    return name.get(BytePointer.class, 0).getString();
  }

  /** A memory object without data; its data handle is set before each use. */
  static dnnl_memory memory(dnnl_memory_desc_t desc) {
    dnnl_memory m = new dnnl_memory();
    check(dnnl_memory_create(m, desc, ENGINE, (Pointer) null), "creating memory");
    return m;
  }

  static void point(dnnl_memory m, long address) {
    check(dnnl_memory_set_data_handle(m, new PagedPointer(address)), "setting a data handle");
  }

  /** Arguments of one primitive: pairs of (DNNL_ARG_*, memory). */
  static dnnl_exec_arg_t arguments(Object... pairs) {
    int n = pairs.length / 2;
    dnnl_exec_arg_t args = new dnnl_exec_arg_t(n);
    for (int i = 0; i < n; i++) {
      args.position(i).arg((Integer) pairs[2 * i]).memory((dnnl_memory) pairs[2 * i + 1]);
    }
    return args.position(0);
  }

  /**
   * Runs a primitive with an argument array from {@link #arguments} (its capacity is the count).
   */
  static void execute(dnnl_primitive p, dnnl_exec_arg_t args) {
    dnnl_stream s = STREAMS.get();
    check(dnnl_primitive_execute(p, s, (int) args.capacity(), args), "executing a primitive");
    check(dnnl_stream_wait(s), "waiting for a primitive");
  }

  /**
   * The address of a dense row-major float32 array's first element (its offset into a shared
   * buffer, as a parameter view has, included).
   */
  static long address(INDArray a) {
    requireDense(a);
    return a.data().address() + a.offset() * Float.BYTES;
  }

  private static void requireDense(INDArray a) {
    if (!dense(a)) {
      throw new IllegalArgumentException(
          "not a dense row-major float32 array: " + a.shapeInfoToString());
    }
  }

  /** Whether oneDNN can take the array as it is: float32, row-major without gaps. */
  static boolean dense(INDArray a) {
    if (a.dataType() != DataType.FLOAT) {
      return false;
    }
    long expected = 1;
    long[] shape = a.shape();
    long[] stride = a.stride();
    for (int i = shape.length - 1; i >= 0; i--) {
      if (shape[i] != 1 && stride[i] != expected) {
        return false;
      }
      expected *= shape[i];
    }
    return true;
  }

  /**
   * A thread's buffers for what oneDNN reads and writes in its own layouts, one per role, grown to
   * the largest a layer has asked for. Layers run one at a time on a thread, so one set serves them
   * all; it is freed when the thread ends.
   */
  static final class Buffers {
    static final int SOURCE = 0;
    static final int DESTINATION = 1;
    static final int WEIGHTS = 2;
    static final int OUTPUT_GRADIENT = 3;
    static final int SCRATCHPAD = 4;
    private static final int ROLES = 5;

    private static final ThreadLocal<Buffers> OF_THREAD = ThreadLocal.withInitial(Buffers::new);

    private final Pointer[] raw = new Pointer[ROLES];
    private final long[] size = new long[ROLES];

    private Buffers() {
      Pointer[] owned = raw;
      CLEANER.register(
          this,
          () -> {
            for (Pointer p : owned) {
              if (p != null) {
                Pointer.free(p);
              }
            }
          });
    }

    static Buffers ofThread() {
      return OF_THREAD.get();
    }

    /** A 64-byte aligned buffer of at least {@code bytes} for {@code role}; its address. */
    long get(int role, long bytes) {
      if (size[role] < bytes) {
        if (raw[role] != null) {
          Pointer.free(raw[role]);
          raw[role] = null;
          size[role] = 0;
        }
        Pointer p = Pointer.malloc(bytes + 64);
        if (p == null || p.isNull()) {
          throw new OutOfMemoryError("oneDNN working buffer of " + bytes + " bytes");
        }
        raw[role] = p;
        size[role] = bytes;
      }
      return (raw[role].address() + 63) & ~63L;
    }
  }
}
