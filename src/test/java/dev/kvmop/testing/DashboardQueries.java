package dev.kvmop.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every PromQL expression of a Grafana dashboard JSON, with Grafana's variables substituted as
 * Grafana would before sending the query to Prometheus.
 */
public final class DashboardQueries {
  public static final Path SHIPPED = Path.of("deploy/dashboards/kvm-operator.json");
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{?([A-Za-z_][A-Za-z0-9_]*)\\}?");

  /**
   * @param panel the panel title
   * @param legend the target's legend format
   * @param expr the expression as Prometheus receives it
   */
  public record Query(String panel, String legend, String expr) {
    /** The labels the legend prints ({@code {{X}}}). */
    public java.util.Set<String> legendLabels() {
      java.util.Set<String> labels = new java.util.TreeSet<>();
      Matcher m = Pattern.compile("\\{\\{\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*}}").matcher(legend);
      while (m.find()) {
        labels.add(m.group(1));
      }
      return labels;
    }
  }

  private DashboardQueries() {}

  /**
   * @param builtins values of Grafana's built-in variables ({@code __rate_interval}, ...); the
   *     dashboard's own template variables take their current value, or for a query variable the
   *     value in {@code builtins} under its name
   * @throws IllegalStateException when an expression uses a variable with no value
   */
  public static List<Query> of(Path dashboard, Map<String, String> builtins) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(dashboard.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, String> values = new LinkedHashMap<>(builtins);
    for (JsonNode v : root.path("templating").path("list")) {
      JsonNode current = v.path("current").path("value");
      if (current.isTextual()) {
        values.putIfAbsent(v.path("name").asText(), current.asText());
      }
    }
    List<Query> out = new ArrayList<>();
    for (JsonNode panel : panels(root)) {
      for (JsonNode t : panel.path("targets")) {
        if (t.hasNonNull("expr")) {
          out.add(
              new Query(
                  panel.path("title").asText(),
                  t.path("legendFormat").asText(),
                  substitute(t.path("expr").asText(), values)));
        }
      }
    }
    return out;
  }

  /** Top-level panels and those nested in rows. */
  private static List<JsonNode> panels(JsonNode root) {
    List<JsonNode> all = new ArrayList<>();
    for (JsonNode p : root.path("panels")) {
      all.add(p);
      p.path("panels").forEach(all::add);
    }
    return all;
  }

  private static String substitute(String expr, Map<String, String> values) {
    Matcher m = VARIABLE.matcher(expr);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = values.get(m.group(1));
      if (value == null) {
        throw new IllegalStateException("no value for $" + m.group(1) + " in: " + expr);
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }
}
