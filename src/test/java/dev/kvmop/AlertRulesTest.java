package dev.kvmop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.kvmop.testing.AlertRules;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code promtool test rules} on the shipped alerts: for each alert, input series and when it must
 * fire (with its rendered labels and annotations) or stay quiet. promtool comes with Debian's
 * prometheus package (Makefile deps / .ci/run install it).
 */
class AlertRulesTest {
  static final Path UNIT_TESTS = Path.of("src/test/resources/prometheus/alerts.test.yaml");

  @TempDir Path tmp;

  @Test
  void promtoolUnitTestsPass() throws Exception {
    AlertRules.shipped().write(tmp.resolve("rules.yaml"));
    Path tests = Files.copy(UNIT_TESTS, tmp.resolve("alerts.test.yaml"));
    Process p;
    try {
      p =
          new ProcessBuilder("promtool", "test", "rules", tests.toString())
              .redirectErrorStream(true)
              .start();
    } catch (IOException e) {
      throw new AssertionError("promtool not found: Debian package prometheus (make deps)", e);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("promtool test rules:\n" + out).isZero();
    System.out.println("promtool test rules: " + out.strip().replace('\n', ' '));
  }

  @Test
  void everyShippedAlertHasAFiringAndAQuietCase() throws Exception {
    JsonNode tests = new ObjectMapper(new YAMLFactory()).readTree(UNIT_TESTS.toFile());
    Set<String> fires = new TreeSet<>();
    Set<String> quiet = new TreeSet<>();
    for (JsonNode t : tests.path("tests")) {
      for (JsonNode a : t.path("alert_rule_test")) {
        String name = a.path("alertname").asText();
        (a.path("exp_alerts").isEmpty() ? quiet : fires).add(name);
      }
    }
    List<String> alerts = AlertRules.shipped().alertNames();
    assertThat(alerts).isNotEmpty();
    assertThat(fires).as("alerts with a case where they fire").containsAll(alerts);
    assertThat(quiet).as("alerts with a case where they stay quiet").containsAll(alerts);
  }
}
