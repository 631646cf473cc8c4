package dev.kvmop.controller.guest.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmop.api.KvmGuestSpec;
import dev.kvmop.api.ObjectRef;
import dev.kvmop.placement.Selector;
import dev.kvmop.testing.TestObjects;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** spec.hostRef and spec.hostSelector: optional, exclusive, and well-formed when given. */
class HostChoiceTest {
  @Test
  void neitherIsValidAndMeansAnyHost() {
    KvmGuestSpec spec = TestObjects.guest("g").build().getSpec();
    assertThat(HostChoice.errors(spec)).isEmpty();
    assertThat(HostChoice.selector(spec)).isSameAs(Selector.EVERYTHING);
  }

  @Test
  void aHostRefNeedsAName() {
    KvmGuestSpec spec = TestObjects.guest("g").build().getSpec();
    spec.hostRef = new ObjectRef();
    assertThat(HostChoice.errors(spec)).containsExactly("spec.hostRef.name: required");
    spec.hostRef = new ObjectRef("Node_A");
    assertThat(HostChoice.errors(spec))
        .containsExactly(
            "spec.hostRef.name: \"Node_A\" is not a DNS-1123 subdomain (lower-case letters,"
                + " digits, '-' and '.')");
    spec.hostRef = new ObjectRef("a".repeat(1 << 20));
    assertThat(HostChoice.errors(spec)).singleElement().asString().hasSizeLessThan(300);
  }

  @ParameterizedTest
  @ValueSource(strings = {"a..b", "-a", "a-", "a.-b", "A"})
  void hostRefMustBeDns1123(String name) {
    KvmGuestSpec spec = TestObjects.guest("g").on(name).build().getSpec();
    assertThat(HostChoice.errors(spec)).hasSize(1);
  }

  @Test
  void hostRefAndSelectorTogetherAreRefused() {
    KvmGuestSpec spec = TestObjects.guest("g").on("node-a").build().getSpec();
    spec.hostSelector = new LabelSelectorBuilder().withMatchLabels(Map.of("rack", "a")).build();
    assertThat(HostChoice.errors(spec))
        .containsExactly(
            "spec.hostSelector: cannot be set together with spec.hostRef (name a host, or let the"
                + " operator choose one)");
  }

  @Test
  void aMalformedSelectorNamesTheField() {
    KvmGuestSpec spec = TestObjects.guest("g").build().getSpec();
    spec.hostSelector =
        new LabelSelectorBuilder()
            .withMatchExpressions(new LabelSelectorRequirement("rack", "Gt", List.of("1")))
            .build();
    assertThat(HostChoice.errors(spec))
        .containsExactly(
            "spec.hostSelector.matchExpressions[0].operator: \"Gt\" is not one of In, NotIn,"
                + " Exists, DoesNotExist");
    spec.hostSelector =
        new LabelSelectorBuilder()
            .withMatchExpressions(new LabelSelectorRequirement("rack", "In", List.of()))
            .build();
    assertThat(HostChoice.errors(spec))
        .containsExactly("spec.hostSelector.matchExpressions[0].values: required for operator In");
  }

  @Test
  void aValidSelectorSelects() {
    KvmGuestSpec spec = TestObjects.guest("g").build().getSpec();
    spec.hostSelector =
        new LabelSelectorBuilder()
            .withMatchLabels(Map.of("rack", "a"))
            .withMatchExpressions(new LabelSelectorRequirement("gpu", "DoesNotExist", null))
            .build();
    assertThat(HostChoice.errors(spec)).isEmpty();
    assertThat(HostChoice.selector(spec).matches(Map.of("rack", "a"))).isTrue();
    assertThat(HostChoice.selector(spec).matches(Map.of("rack", "a", "gpu", "x"))).isFalse();
  }
}
