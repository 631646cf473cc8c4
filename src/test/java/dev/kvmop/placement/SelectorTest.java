package dev.kvmop.placement;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmop.placement.Selector.Requirement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Label selectors as Kubernetes defines them, and what is wrong with a bad one. */
class SelectorTest {
  static final Map<String, String> RACK_A_SSD = Map.of("rack", "a", "disk", "ssd");

  @Test
  void matchLabelsAndEachOperator() {
    assertThat(Selector.EVERYTHING.matches(null)).isTrue();
    assertThat(Selector.of(Map.of(), List.of()).matches(RACK_A_SSD)).isTrue();
    assertThat(Selector.of(Map.of("rack", "a"), null).matches(RACK_A_SSD)).isTrue();
    assertThat(Selector.of(Map.of("rack", "b"), null).matches(RACK_A_SSD)).isFalse();
    assertThat(Selector.of(Map.of("rack", "a"), null).matches(Map.of())).isFalse();
    assertThat(matches("In", "rack", "a", "b")).isTrue();
    assertThat(matches("In", "rack", "b")).isFalse();
    assertThat(matches("In", "zone", "a")).isFalse();
    assertThat(matches("NotIn", "rack", "b")).isTrue();
    assertThat(matches("NotIn", "rack", "a")).isFalse();
    assertThat(matches("NotIn", "zone", "a")).as("NotIn holds for a missing label").isTrue();
    assertThat(matches("Exists", "disk")).isTrue();
    assertThat(matches("Exists", "gpu")).isFalse();
    assertThat(matches("DoesNotExist", "gpu")).isTrue();
    assertThat(matches("DoesNotExist", "disk")).isFalse();
    Selector both =
        Selector.of(Map.of("rack", "a"), List.of(new Requirement("disk", "In", List.of("hdd"))));
    assertThat(both.matches(RACK_A_SSD)).as("every term must hold").isFalse();
  }

  @Test
  void badSelectorsNameTheField() {
    assertThat(errors(req("disk", "Gt", "1")))
        .containsExactly(
            "spec.hostSelector.matchExpressions[0].operator: \"Gt\" is not one of In, NotIn,"
                + " Exists, DoesNotExist");
    assertThat(errors(req("disk", "in", "ssd"))).hasSize(1);
    assertThat(errors(req("disk", null)))
        .containsExactly(
            "spec.hostSelector.matchExpressions[0].operator: required: In, NotIn, Exists or"
                + " DoesNotExist");
    assertThat(errors(req("disk", "In")))
        .containsExactly("spec.hostSelector.matchExpressions[0].values: required for operator In");
    assertThat(errors(req("disk", "NotIn")))
        .containsExactly(
            "spec.hostSelector.matchExpressions[0].values: required for operator NotIn");
    assertThat(errors(req("disk", "Exists", "x")))
        .containsExactly(
            "spec.hostSelector.matchExpressions[0].values: must be empty for operator Exists");
    assertThat(errors(req("", "Exists")))
        .containsExactly("spec.hostSelector.matchExpressions[0].key: label key required");
    assertThat(errors(req("bad key!", "Exists")))
        .containsExactly(
            "spec.hostSelector.matchExpressions[0].key: \"bad key!\" is not a valid label key");
    assertThat(errors(req("disk", "In", "no spaces"))).hasSize(1);
    assertThat(Selector.errors("spec.hostSelector", Map.of("rack", "a;b"), null))
        .containsExactly("spec.hostSelector.matchLabels[rack]: \"a;b\" is not a valid label value");
    assertThat(Selector.errors("spec.hostSelector", Map.of("-rack", "a"), null)).hasSize(1);
    List<Requirement> withNull = new ArrayList<>();
    withNull.add(null);
    assertThat(Selector.errors("spec.hostSelector", null, withNull))
        .containsExactly("spec.hostSelector.matchExpressions[0]: required");
  }

  @Test
  void validSelectorsHaveNoErrors() {
    assertThat(errors(req("kvmop.dev/rack", "In", "a", "b"), req("gpu", "DoesNotExist"))).isEmpty();
    assertThat(Selector.errors("spec.hostSelector", Map.of("rack", ""), null)).isEmpty();
    assertThat(Selector.errors("spec.hostSelector", null, null)).isEmpty();
  }

  @Test
  void sizesAreBoundedAsInTheSchema() {
    Map<String, String> many = new HashMap<>();
    for (int i = 0; i < 33; i++) {
      many.put("l" + i, "v");
    }
    assertThat(Selector.errors("spec.hostSelector", many, null))
        .containsExactly("spec.hostSelector.matchLabels: at most 32 labels");
    String[] values = new String[65];
    Arrays.fill(values, "v");
    assertThat(errors(req("k", "In", values)))
        .containsExactly("spec.hostSelector.matchExpressions[0].values: at most 64 values");
  }

  private static boolean matches(String operator, String key, String... values) {
    return Selector.of(null, List.of(req(key, operator, values))).matches(RACK_A_SSD);
  }

  private static Requirement req(String key, String operator, String... values) {
    return new Requirement(key, operator, List.of(values));
  }

  private static List<String> errors(Requirement... requirements) {
    return Selector.errors("spec.hostSelector", null, List.of(requirements));
  }
}
