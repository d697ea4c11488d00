package org.ebvspark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.ebvspark.model.Provenance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EbvCliTest {
  @TempDir Path dir;

  private String file(String name) {
    return dir.resolve(name).toString();
  }

  @Test
  void generateThenInspectAsAUserWould() throws Exception {
    CliRun gen =
        CliRun.of(
            "generate",
            "-n",
            "300",
            "-d",
            "24",
            "-a",
            "0.4",
            "--mode",
            "faithful",
            "-o",
            file("w.ebv"));
    assertThat(gen.exitCode()).as(gen.err()).isZero();
    assertThat(gen.out())
        .contains("reached alpha")
        .contains("wrote " + file("w.ebv") + ": 300 x 24");
    assertThat(gen.err()).contains("step 1 ");
    assertThat(gen.out()).contains("on spark local[*]");

    CliRun inspect = CliRun.of("inspect", file("w.ebv"), "--json");
    assertThat(inspect.exitCode()).as(inspect.err()).isZero();
    JsonNode json = Provenance.json().readTree(inspect.out());
    assertThat(json.at("/header/classes").asLong()).isEqualTo(300);
    assertThat(json.at("/checksumVerified").asBoolean()).isTrue();
    assertThat(json.at("/coherence/max").asDouble()).isLessThanOrEqualTo(0.4001);
    assertThat(json.at("/coherence/max").asDouble())
        .isEqualTo(json.at("/header/achievedAlpha").asDouble());
    assertThat(json.at("/provenance/generator/mode").asText()).isEqualTo("faithful");
    assertThat(json.at("/provenance/generator/seed").asLong()).isEqualTo(42);
    assertThat(json.at("/provenance/software/ebvSpark").asText()).doesNotContain("${");

    CliRun text = CliRun.of("inspect", file("w.ebv"));
    assertThat(text.out()).contains("(verified)").contains("histogram").contains("Welch");
  }

  @Test
  void anUnreachableAlphaWritesTheBestAndExitsThree() throws Exception {
    CliRun gen =
        CliRun.of(
            "generate",
            "--no-spark",
            "-n",
            "60",
            "-d",
            "12",
            "-a",
            "0.27",
            "--mode",
            "faithful",
            "--patience",
            "100",
            "-o",
            file("w.ebv"));
    assertThat(gen.exitCode()).as(gen.err()).isEqualTo(3);
    assertThat(gen.out()).contains("alpha 0.27 not reached");
    assertThat(Files.exists(dir.resolve("w.ebv"))).isTrue();
  }

  @Test
  void badRequestsFailInOneLineAndWriteNothing() throws Exception {
    CliRun belowWelch =
        CliRun.of("generate", "-n", "1000", "-d", "100", "-a", "0.05", "-o", file("x.ebv"));
    assertThat(belowWelch.exitCode()).isEqualTo(1);
    assertThat(belowWelch.errorLines())
        .startsWith("ebv generate: alpha 0.05 is below the Welch bound")
        .doesNotContain("\n");

    CliRun missing = CliRun.of("generate", "-n", "10", "-a", "0.5", "-o", file("x.ebv"));
    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(missing.errorLines())
        .isEqualTo(
            "ebv generate: Missing required option: '--dim=<dim>' (see 'ebv generate --help')");

    CliRun badNumber =
        CliRun.of("generate", "-n", "ten", "-d", "4", "-a", "0.5", "-o", file("x.ebv"));
    assertThat(badNumber.exitCode()).isEqualTo(2);
    assertThat(badNumber.errorLines()).contains("'ten'").doesNotContain("\n");
    try (var files = Files.list(dir)) {
      assertThat(files).isEmpty();
    }
    // Refused before any Spark work: no session was started for them.
    assertThat(org.apache.spark.sql.SparkSession.getDefaultSession().isEmpty()).isTrue();
  }

  @Test
  void anExistingOutputIsKeptWithoutOverwrite() throws Exception {
    Path existing = dir.resolve("w.ebv");
    Files.writeString(existing, "precious");
    CliRun gen =
        CliRun.of("generate", "-n", "100", "-d", "128", "-a", "0.1", "-o", existing.toString());
    assertThat(gen.exitCode()).isEqualTo(1);
    assertThat(gen.errorLines())
        .isEqualTo(
            "ebv generate: " + existing + ": already exists (use --overwrite to replace it)");
    assertThat(Files.readString(existing)).isEqualTo("precious");

    // --overwrite replaces only an EBV file: a file of anything else stays, whatever the flag.
    String[] overwrite = {
      "generate",
      "--no-spark",
      "-n",
      "100",
      "-d",
      "128",
      "-a",
      "0.1",
      "-o",
      existing.toString(),
      "--overwrite"
    };
    CliRun refused = CliRun.of(overwrite);
    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.err().strip())
        .isEqualTo(
            "ebv generate: "
                + existing
                + ": is not an EBV file (a file of another format); --overwrite replaces only"
                + " that, so remove or move it yourself");
    assertThat(Files.readString(existing)).isEqualTo("precious");
    Files.delete(existing);
    assertThat(CliRun.of(java.util.Arrays.copyOf(overwrite, overwrite.length - 1)).exitCode())
        .isZero();
    CliRun again = CliRun.of(overwrite);
    assertThat(again.exitCode()).as(again.err()).isZero();
    assertThat(again.out()).contains("the start meets alpha by construction");
  }

  @Test
  void convertRoundTripsThroughNumpy() throws Exception {
    assertThat(
            CliRun.of(
                    "generate",
                    "--no-spark",
                    "-n",
                    "140",
                    "-d",
                    "20",
                    "-a",
                    "0.25",
                    "-o",
                    file("w.ebv"))
                .exitCode())
        .isZero();
    CliRun toNpy = CliRun.of("convert", file("w.ebv"), file("w.npy"));
    assertThat(toNpy.exitCode()).as(toNpy.err()).isZero();
    CliRun back = CliRun.of("convert", file("w.npy"), file("back.ebv"));
    assertThat(back.exitCode()).as(back.err()).isZero();

    JsonNode original =
        Provenance.json().readTree(CliRun.of("inspect", file("w.ebv"), "--json").out());
    JsonNode copy =
        Provenance.json().readTree(CliRun.of("inspect", file("back.ebv"), "--json").out());
    assertThat(copy.at("/checksum").asText()).isEqualTo(original.at("/checksum").asText());
    assertThat(copy.at("/provenance/source").asText()).startsWith("imported from " + file("w.npy"));

    CliRun unknown = CliRun.of("convert", file("w.ebv"), file("w.txt"));
    assertThat(unknown.exitCode()).isEqualTo(1);
    assertThat(unknown.errorLines()).contains("use .npy or .ebv");
  }

  @Test
  void aCorruptFileIsReportedByName() throws Exception {
    assertThat(
            CliRun.of(
                    "generate",
                    "--no-spark",
                    "-n",
                    "140",
                    "-d",
                    "20",
                    "-a",
                    "0.25",
                    "-o",
                    file("w.ebv"))
                .exitCode())
        .isZero();
    try (RandomAccessFile f = new RandomAccessFile(file("w.ebv"), "rw")) {
      f.seek(f.length() - 1);
      f.write(0x7f);
    }
    CliRun inspect = CliRun.of("inspect", file("w.ebv"));
    assertThat(inspect.exitCode()).isEqualTo(1);
    assertThat(inspect.errorLines())
        .startsWith("ebv inspect: " + file("w.ebv") + ": checksum mismatch")
        .doesNotContain("\n");
  }
}
