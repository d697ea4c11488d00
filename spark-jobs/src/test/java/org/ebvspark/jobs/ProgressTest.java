package org.ebvspark.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The plain lines a log gets when the output is not a terminal. */
class ProgressTest {
  @Test
  void linesCarryTheTimeTheCountTheRateAndTheTimeLeftAndOnlyAtLogPoints() {
    StringWriter text = new StringWriter();
    Progress.Lines p = new Progress.Lines("epoch 1  round", 40, "rounds", new PrintWriter(text));
    p.update(1, "loss 2.0", true);
    p.update(2, "loss 1.9", false); // not a log point, and less than the interval since the last
    p.update(10, "loss 1.5", true);
    p.close();
    List<String> lines = text.toString().lines().toList();
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0))
        .matches("\\d\\d:\\d\\d:\\d\\d epoch 1  round 1/40 \\(3%\\)  loss 2\\.0.*");
    // 10 done of 40 at a measured rate: the line gives the rate and what is left at that rate
    String line = p.line(10, "loss 1.5", 5.0);
    assertThat(line).contains("round 10/40 (25%)  loss 1.5  2.00 rounds/s, 15s left");
    assertThat(p.line(40, null, 10)).endsWith("round 40/40 (100%)");
    assertThat(Progress.duration(3725)).isEqualTo("1h02m");
    assertThat(Progress.duration(75)).isEqualTo("1m15s");
  }
}
