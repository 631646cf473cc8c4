package dev.kvmop.controller.host;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Which KVM modules to load and which may be unloaded (pure; no I/O). */
final class ModulePlan {
  static final String KVM = "kvm";
  static final List<String> VENDORS = List.of("kvm_intel", "kvm_amd");

  private ModulePlan() {}

  /** kvm_intel for vmx, kvm_amd for svm, null otherwise. */
  static String vendorModule(String virtualization) {
    if ("vmx".equals(virtualization)) {
      return "kvm_intel";
    }
    if ("svm".equals(virtualization)) {
      return "kvm_amd";
    }
    return null;
  }

  /** kvm and the vendor module, in load order. */
  static List<String> wanted(String virtualization) {
    List<String> wanted = new ArrayList<>(List.of(KVM));
    String vendor = vendorModule(virtualization);
    if (vendor != null) {
      wanted.add(vendor);
    }
    return wanted;
  }

  /** The wanted modules that are not loaded yet, in load order. */
  static List<String> missing(String virtualization, Map<String, Integer> loaded) {
    return wanted(virtualization).stream().filter(m -> !loaded.containsKey(m)).toList();
  }

  /** Loaded KVM modules in unload order (vendor first, then kvm). */
  static List<String> unloadOrder(Map<String, Integer> loaded) {
    List<String> order = new ArrayList<>();
    VENDORS.stream().filter(loaded::containsKey).forEach(order::add);
    if (loaded.containsKey(KVM)) {
      order.add(KVM);
    }
    return order;
  }

  /** Whether a loaded module has use count 0. */
  static boolean unused(Map<String, Integer> loaded, String module) {
    Integer uses = loaded.get(module);
    return uses != null && uses == 0;
  }
}
