package dev.kvmop.controller.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmop.api.HostKeyPolicy;
import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.api.ModulesMode;
import dev.kvmop.api.ObjectRef;
import dev.kvmop.testing.FakeHostAgents;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HostSpecValidationTest {
  static KvmHostSpec valid() {
    KvmHostSpec spec = new KvmHostSpec();
    spec.address = "10.0.0.5";
    spec.credentialsSecretRef = new ObjectRef("node-ssh");
    spec.hostKey = FakeHostAgents.KEY_LINE;
    return spec;
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/var/lib/kvmop",
        "/tmp/kvmop-sshd123/work-ready",
        "/srv/.kvmop",
        "/srv/..kvmop",
        "/srv/...",
        "/srv/a.b/c d"
      })
  void acceptsDedicatedWorkDirs(String workDir) {
    KvmHostSpec spec = valid();
    spec.workDir = workDir;
    assertThat(HostSpecValidation.validate(spec)).isEmpty();
  }

  /** rm -rf <workDir>/bin with any of these would hit a system directory. */
  @ParameterizedTest
  @ValueSource(
      strings = {"/", "//", "/.", "/..", "/./", "/usr/..", "/usr/../", "/a/../b", "/a//b", "/a/."})
  void refusesWorkDirsThatResolveElsewhere(String workDir) {
    KvmHostSpec spec = valid();
    spec.workDir = workDir;
    assertThat(HostSpecValidation.validate(spec))
        .singleElement()
        .asString()
        .startsWith("spec.workDir: ");
  }

  @Test
  void imageCacheMaxSizeIsAQuantity() {
    KvmHostSpec spec = valid();
    assertThat(spec.imageCache.maxSize).isEqualTo("50Gi");
    spec.imageCache.maxSize = "50GB";
    assertThat(HostSpecValidation.validate(spec))
        .containsExactly("spec.imageCache.maxSize: invalid quantity \"50GB\" (e.g. 512Mi, 10Gi)");
  }

  @Test
  void emptyQemuBinaryOnlyWithBuild() {
    KvmHostSpec spec = valid();
    spec.qemu.binary = "";
    assertThat(HostSpecValidation.validate(spec))
        .containsExactly("spec.qemu.binary: required unless spec.kvm.modules is Build");
    spec.kvm.modules = ModulesMode.Build;
    spec.kvm.build = new KvmHostSpec.Build();
    spec.kvm.build.source = new KvmHostSpec.Source();
    spec.kvm.build.source.hostPath = "/srv/kvm.tar.gz";
    assertThat(HostSpecValidation.validate(spec)).isEmpty();
    assertThat(HostReadiness.qemuBinary(spec, null)).isNull();
    var status = new dev.kvmop.api.KvmHostStatus();
    status.modules = new dev.kvmop.api.KvmHostStatus.ModulesStatus();
    status.modules.buildStamp = "0123456789abcdef".repeat(4);
    assertThat(HostReadiness.qemuBinary(spec, status))
        .isEqualTo(
            "/var/lib/kvmop/build/0123456789abcdef/src/qemu/x86_64-softmmu/qemu-system-x86_64");
  }

  @Test
  void unknownEnumValuesReadAsUnrecognizedAndAreRefused() {
    KubernetesSerialization json = new KubernetesSerialization();
    String text =
        json.asJson(valid())
            .replace("\"Pinned\"", "\"pinned\"")
            .replace("\"Builtin\"", "\"Compiled\"");
    KvmHostSpec spec = json.unmarshal(text, KvmHostSpec.class);
    assertThat(spec.hostKeyPolicy).isEqualTo(HostKeyPolicy.Unrecognized);
    assertThat(spec.kvm.modules).isEqualTo(ModulesMode.Unrecognized);
    // JOSDK clones through JSON: the value must stay unrecognized, not fall back to the default.
    KvmHostSpec cloned = json.unmarshal(json.asJson(spec), KvmHostSpec.class);
    assertThat(cloned.hostKeyPolicy).isEqualTo(HostKeyPolicy.Unrecognized);
    assertThat(HostSpecValidation.validate(cloned))
        .containsExactly(
            "spec.hostKeyPolicy: must be Pinned or TrustOnFirstUse",
            "spec.kvm.modules: must be Builtin, Modprobe or Build");
  }
}
