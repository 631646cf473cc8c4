package dev.kvmop.controller.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ModulePlanTest {
  @Test
  void vendorModuleFromCpuFlag() {
    assertThat(ModulePlan.wanted("vmx")).containsExactly("kvm", "kvm_intel");
    assertThat(ModulePlan.wanted("svm")).containsExactly("kvm", "kvm_amd");
    assertThat(ModulePlan.wanted("none")).containsExactly("kvm");
    assertThat(ModulePlan.vendorModule(null)).isNull();
  }

  @Test
  void missingSkipsLoadedModules() {
    assertThat(ModulePlan.missing("vmx", Map.of("kvm", 1))).containsExactly("kvm_intel");
    assertThat(ModulePlan.missing("vmx", Map.of("kvm", 1, "kvm_intel", 0))).isEmpty();
    assertThat(ModulePlan.missing("svm", Map.of())).containsExactly("kvm", "kvm_amd");
  }

  @Test
  void unloadVendorFirstAndOnlyUnused() {
    Map<String, Integer> loaded = Map.of("kvm", 1, "kvm_amd", 0, "other", 0);
    assertThat(ModulePlan.unloadOrder(loaded)).containsExactly("kvm_amd", "kvm");
    assertThat(ModulePlan.unused(loaded, "kvm_amd")).isTrue();
    assertThat(ModulePlan.unused(loaded, "kvm")).isFalse();
    assertThat(ModulePlan.unused(loaded, "absent")).isFalse();
  }
}
