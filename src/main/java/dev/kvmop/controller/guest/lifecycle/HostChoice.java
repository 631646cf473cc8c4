package dev.kvmop.controller.guest.lifecycle;

import dev.kvmop.api.KvmGuestSpec;
import dev.kvmop.api.SpecText;
import dev.kvmop.placement.Selector;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** How a guest's spec says where it may go: spec.hostRef, or spec.hostSelector, or any host. */
final class HostChoice {
  private HostChoice() {}

  private static final Pattern DNS_1123_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  /** What is wrong with spec.hostRef and spec.hostSelector; empty when nothing is. */
  static List<String> errors(KvmGuestSpec spec) {
    List<String> errors = new ArrayList<>();
    if (spec == null) {
      return errors;
    }
    if (spec.hostRef != null) {
      hostRefErrors(spec.hostRef.name, errors);
    }
    if (spec.hostRef != null && spec.hostSelector != null) {
      errors.add(
          "spec.hostSelector: cannot be set together with spec.hostRef (name a host, or let the"
              + " operator choose one)");
    }
    LabelSelector s = spec.hostSelector;
    if (s != null) {
      errors.addAll(Selector.errors("spec.hostSelector", s.getMatchLabels(), requirements(s)));
    }
    return errors;
  }

  /** spec.hostRef is optional; when given, it names a host. */
  private static void hostRefErrors(String name, List<String> errors) {
    if (name == null || name.isEmpty()) {
      errors.add("spec.hostRef.name: required");
    } else if (name.length() > 253 || !DNS_1123_SUBDOMAIN.matcher(name).matches()) {
      errors.add(
          "spec.hostRef.name: "
              + SpecText.quoted(name)
              + " is not a DNS-1123 subdomain (lower-case letters, digits, '-' and '.')");
    }
  }

  /** The hosts a valid spec accepts by label: every host without a selector. */
  static Selector selector(KvmGuestSpec spec) {
    LabelSelector s = spec.hostSelector;
    return s == null ? Selector.EVERYTHING : Selector.of(s.getMatchLabels(), requirements(s));
  }

  private static List<Selector.Requirement> requirements(LabelSelector s) {
    if (s.getMatchExpressions() == null) {
      return List.of();
    }
    List<Selector.Requirement> out = new ArrayList<>();
    for (var e : s.getMatchExpressions()) {
      out.add(
          e == null ? null : new Selector.Requirement(e.getKey(), e.getOperator(), e.getValues()));
    }
    return out;
  }
}
