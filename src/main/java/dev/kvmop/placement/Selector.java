package dev.kvmop.placement;

import dev.kvmop.api.HostSelectorSchema;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A Kubernetes label selector over KvmHost labels: every {@code matchLabels} pair and every
 * requirement must hold. An empty selector matches every host.
 */
public final class Selector {
  /** One {@code matchExpressions} entry as written (the operator unchecked). */
  public record Requirement(String key, String operator, List<String> values) {
    public Requirement {
      values = values == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(values));
    }
  }

  static final Set<String> OPERATORS = Set.of("In", "NotIn", "Exists", "DoesNotExist");
  private static final Pattern NAME = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final int MAX_ERRORS = 10;

  /** Matches every host. */
  public static final Selector EVERYTHING = new Selector(Map.of(), List.of());

  private final Map<String, String> matchLabels;
  private final List<Requirement> expressions;

  private Selector(Map<String, String> matchLabels, List<Requirement> expressions) {
    this.matchLabels = new TreeMap<>(matchLabels);
    this.expressions = List.copyOf(expressions);
  }

  /**
   * A selector from its parts; call only when {@link #errors} found none.
   *
   * @param matchLabels may be null
   * @param expressions may be null
   */
  public static Selector of(Map<String, String> matchLabels, List<Requirement> expressions) {
    return new Selector(
        matchLabels == null ? Map.of() : matchLabels,
        expressions == null ? List.of() : expressions);
  }

  /**
   * What is wrong with a selector, each error naming its field below {@code field} (e.g. {@code
   * spec.hostSelector}); empty when it is valid.
   */
  public static List<String> errors(
      String field, Map<String, String> matchLabels, List<Requirement> expressions) {
    List<String> errors = new ArrayList<>();
    if (matchLabels != null && matchLabels.size() > HostSelectorSchema.MAX_TERMS) {
      errors.add(field + ".matchLabels: at most " + HostSelectorSchema.MAX_TERMS + " labels");
      return errors;
    }
    if (expressions != null && expressions.size() > HostSelectorSchema.MAX_TERMS) {
      errors.add(
          field + ".matchExpressions: at most " + HostSelectorSchema.MAX_TERMS + " requirements");
      return errors;
    }
    if (matchLabels != null) {
      new TreeMap<>(matchLabels)
          .forEach(
              (k, v) -> {
                checkKey(field + ".matchLabels", k, errors);
                checkValue(field + ".matchLabels[" + shorten(k) + "]", v, errors);
              });
    }
    if (expressions != null) {
      for (int i = 0; i < expressions.size(); i++) {
        checkRequirement(field + ".matchExpressions[" + i + "]", expressions.get(i), errors);
      }
    }
    return errors.size() > MAX_ERRORS ? errors.subList(0, MAX_ERRORS) : errors;
  }

  private static void checkRequirement(String at, Requirement r, List<String> errors) {
    if (r == null) {
      errors.add(at + ": required");
      return;
    }
    checkKey(at + ".key", r.key(), errors);
    if (r.operator() == null) {
      errors.add(at + ".operator: required: In, NotIn, Exists or DoesNotExist");
      return;
    }
    if (!OPERATORS.contains(r.operator())) {
      errors.add(
          at
              + ".operator: \""
              + shorten(r.operator())
              + "\" is not one of In, NotIn, Exists, DoesNotExist");
      return;
    }
    if (r.values().size() > HostSelectorSchema.MAX_VALUES) {
      errors.add(at + ".values: at most " + HostSelectorSchema.MAX_VALUES + " values");
      return;
    }
    boolean needsValues = r.operator().equals("In") || r.operator().equals("NotIn");
    if (needsValues && r.values().isEmpty()) {
      errors.add(at + ".values: required for operator " + r.operator());
    } else if (!needsValues && !r.values().isEmpty()) {
      errors.add(at + ".values: must be empty for operator " + r.operator());
    }
    for (int j = 0; j < r.values().size(); j++) {
      checkValue(at + ".values[" + j + "]", r.values().get(j), errors);
    }
  }

  /** A label key: an optional DNS subdomain prefix and '/', then a name of at most 63 chars. */
  private static void checkKey(String at, String key, List<String> errors) {
    if (key == null || key.isEmpty()) {
      errors.add(at + ": label key required");
      return;
    }
    int slash = key.indexOf('/');
    String prefix = slash < 0 ? null : key.substring(0, slash);
    String name = slash < 0 ? key : key.substring(slash + 1);
    boolean prefixOk =
        prefix == null || (prefix.length() <= 253 && DNS_SUBDOMAIN.matcher(prefix).matches());
    if (!prefixOk || name.length() > 63 || !NAME.matcher(name).matches()) {
      errors.add(at + ": \"" + shorten(key) + "\" is not a valid label key");
    }
  }

  private static void checkValue(String at, String value, List<String> errors) {
    if (value == null) {
      errors.add(at + ": required");
    } else if (!value.isEmpty() && (value.length() > 63 || !NAME.matcher(value).matches())) {
      errors.add(at + ": \"" + shorten(value) + "\" is not a valid label value");
    }
  }

  /** Whether a host with these labels (null: none) is selected. */
  public boolean matches(Map<String, String> labels) {
    Map<String, String> l = labels == null ? Map.of() : labels;
    for (var e : matchLabels.entrySet()) {
      if (!e.getValue().equals(l.get(e.getKey()))) {
        return false;
      }
    }
    for (Requirement r : expressions) {
      String value = l.get(r.key());
      boolean holds =
          switch (r.operator()) {
            case "In" -> value != null && r.values().contains(value);
            case "NotIn" -> value == null || !r.values().contains(value);
            case "Exists" -> l.containsKey(r.key());
            case "DoesNotExist" -> !l.containsKey(r.key());
            default -> false;
          };
      if (!holds) {
        return false;
      }
    }
    return true;
  }

  private static String shorten(String s) {
    String v = s.length() > 64 ? s.substring(0, 64) + "..." : s;
    return v.replaceAll("\\p{Cntrl}", "?");
  }

  @Override
  public String toString() {
    return "Selector" + matchLabels + expressions;
  }
}
