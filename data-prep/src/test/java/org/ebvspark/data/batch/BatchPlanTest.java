package org.ebvspark.data.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.Test;

class BatchPlanTest {
  @Test
  void aBatchReferenceIsAUriOfItsShardAndDecodesToTheSameBatch() throws Exception {
    for (String shard :
        new String[] {
          "file:/data/my tables/train/part-00000.parquet",
          "hdfs://nn:8020/tables/train/part-00001.parquet",
          "s3a://bucket/t/train/part-00002.parquet"
        }) {
      BatchPlan.Batch batch = new BatchPlan.Batch(shard, 4, 81369, 96, 16);
      String encoded = batch.encode(3);
      // DL4J's path iterator opens the file system of new URI(path): it must parse, with the
      // shard's scheme and authority.
      URI uri = new URI(encoded);
      assertThat(uri.getScheme()).isEqualTo(URI.create(shard.replace(" ", "%20")).getScheme());
      assertThat(BatchPlan.Batch.decode(encoded)).isEqualTo(batch);
      assertThat(BatchPlan.Batch.epochOf(encoded)).isEqualTo(3);
    }
    assertThatThrownBy(() -> BatchPlan.Batch.decode("file:/x.parquet"))
        .hasMessage("not a batch reference: file:/x.parquet");
  }
}
