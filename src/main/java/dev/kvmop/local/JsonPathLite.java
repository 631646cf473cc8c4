package dev.kvmop.local;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The subset of kubectl JSONPath used by printer columns: {@code .a.b}, {@code .a[0].b} and
 * equality filters {@code .a[?(@.type=="Ready")].b}. Anything else evaluates to no value.
 */
final class JsonPathLite {
  private static final Pattern FILTER =
      Pattern.compile("\\?\\(@\\.([A-Za-z0-9_.-]+)\\s*==\\s*[\"']([^\"']*)[\"']\\)");

  private JsonPathLite() {}

  /** Returns the matching values (missing and null nodes are dropped). */
  static List<JsonNode> eval(JsonNode root, String path) {
    List<JsonNode> current = new ArrayList<>(List.of(root));
    String p = path.trim();
    if (p.startsWith("{") && p.endsWith("}")) {
      p = p.substring(1, p.length() - 1);
    }
    int i = 0;
    while (i < p.length() && !current.isEmpty()) {
      char c = p.charAt(i);
      if (c == '.') {
        int end = i + 1;
        while (end < p.length() && p.charAt(end) != '.' && p.charAt(end) != '[') {
          end++;
        }
        String field = p.substring(i + 1, end);
        current = field.isEmpty() ? current : field(current, field);
        i = end;
      } else if (c == '[') {
        int end = p.indexOf(']', i);
        if (end < 0) {
          return List.of();
        }
        current = bracket(current, p.substring(i + 1, end));
        i = end + 1;
      } else {
        return List.of();
      }
    }
    return current.stream().filter(n -> n != null && !n.isMissingNode() && !n.isNull()).toList();
  }

  private static List<JsonNode> field(List<JsonNode> nodes, String name) {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode n : nodes) {
      if (n.isObject() && n.has(name)) {
        out.add(n.get(name));
      }
    }
    return out;
  }

  private static List<JsonNode> bracket(List<JsonNode> nodes, String expr) {
    List<JsonNode> out = new ArrayList<>();
    Matcher m = FILTER.matcher(expr.trim());
    for (JsonNode n : nodes) {
      if (!n.isArray()) {
        continue;
      }
      if (expr.equals("*")) {
        n.forEach(out::add);
      } else if (m.matches()) {
        for (JsonNode item : n) {
          List<JsonNode> v = eval(item, "." + m.group(1));
          if (!v.isEmpty() && v.get(0).isValueNode() && v.get(0).asText().equals(m.group(2))) {
            out.add(item);
          }
        }
      } else if (expr.matches("\\d+") && Integer.parseInt(expr) < n.size()) {
        out.add(n.get(Integer.parseInt(expr)));
      }
    }
    return out;
  }
}
