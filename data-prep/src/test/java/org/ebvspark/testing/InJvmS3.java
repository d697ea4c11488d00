package org.ebvspark.testing;

import java.net.URI;
import org.apache.hadoop.conf.Configuration;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * A real S3 API (s3proxy over an in-memory jclouds store) on a loopback port, with one bucket, for
 * tests that read and write {@code s3a://} paths through Hadoop's S3A client.
 */
public final class InJvmS3 implements AutoCloseable {
  public static final String ACCESS_KEY = "ebv";

  private final BlobStoreContext blobs;
  private final S3Proxy proxy;
  private final String secret;

  private InJvmS3(BlobStoreContext blobs, S3Proxy proxy, String secret) {
    this.blobs = blobs;
    this.proxy = proxy;
    this.secret = secret;
  }

  /** Starts the server and creates {@code bucket}. */
  public static InJvmS3 start(String bucket, String secret) throws Exception {
    BlobStoreContext blobs =
        ContextBuilder.newBuilder("transient")
            .credentials(ACCESS_KEY, secret)
            .build(BlobStoreContext.class);
    S3Proxy proxy =
        S3Proxy.builder()
            .blobStore(blobs.getBlobStore())
            .endpoint(URI.create("http://127.0.0.1:0"))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, secret)
            .build();
    proxy.start();
    while (!proxy.getState().equals("STARTED")) {
      Thread.sleep(20);
    }
    blobs.getBlobStore().createContainerInLocation(null, bucket);
    return new InJvmS3(blobs, proxy, secret);
  }

  /** Points Hadoop's S3A client at this server (path-style, plain HTTP, static credentials). */
  public void configure(Configuration hadoop) {
    hadoop.set("fs.s3a.endpoint", "http://127.0.0.1:" + proxy.getPort());
    hadoop.set("fs.s3a.path.style.access", "true");
    hadoop.set("fs.s3a.connection.ssl.enabled", "false");
    hadoop.set("fs.s3a.access.key", ACCESS_KEY);
    hadoop.set("fs.s3a.secret.key", secret);
    hadoop.set(
        "fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
    // s3proxy's transient store does not return the ETags S3A's change detection expects.
    hadoop.set("fs.s3a.change.detection.mode", "none");
    hadoop.set("fs.s3a.attempts.maximum", "2");
  }

  @Override
  public void close() throws Exception {
    try {
      proxy.stop();
    } finally {
      blobs.close();
    }
  }
}
