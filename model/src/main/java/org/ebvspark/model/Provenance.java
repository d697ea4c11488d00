package org.ebvspark.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.nd4j.linalg.factory.Nd4j;

/** What every artifact records about the software that made it, and the JSON mapper they share. */
public final class Provenance {
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

  private static volatile String command;

  private Provenance() {}

  /**
   * Records the command line this process runs (the CLI calls it once), with any user-info of a URI
   * (a key and secret in {@code s3a://KEY:SECRET@bucket}) replaced by {@code ***}, so that no
   * artifact that records the command carries a secret.
   */
  public static void recordCommand(String line) {
    command = org.ebvspark.model.io.Locations.maskCredentials(line);
  }

  /** The command line recorded by {@link #recordCommand}, or null (a library caller). */
  public static String command() {
    return command;
  }

  /** The mapper for provenance records, reports and configuration (records supported). */
  public static ObjectMapper json() {
    return JSON;
  }

  /** This build's version, from the filtered resource beside this class. */
  public static String ebvSparkVersion() {
    try (InputStream in = Provenance.class.getResourceAsStream("version.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Versions of the software stack that produced an artifact. */
  public static Map<String, String> software() {
    Map<String, String> versions = new LinkedHashMap<>();
    versions.put("ebvSpark", ebvSparkVersion());
    versions.put("java", System.getProperty("java.version"));
    versions.put("nd4jBackend", Nd4j.getBackend().getClass().getSimpleName());
    versions.put("nd4j", mavenVersion(Nd4j.class, "org.nd4j", "nd4j-api"));
    return versions;
  }

  /** The version in a library jar's Maven metadata, or "unknown". */
  public static String mavenVersion(Class<?> inJar, String group, String artifact) {
    String resource = "/META-INF/maven/" + group + "/" + artifact + "/pom.properties";
    try (InputStream in = inJar.getResourceAsStream(resource)) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** Now, to the second, ISO-8601 UTC. */
  /** This machine's host name, or "unknown" when it cannot be resolved. */
  public static String hostName() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      return "unknown";
    }
  }

  public static String now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
