package dev.kvmop.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** /proc/modules parsing, build stamps and the build step plan (pure). */
class ProvisioningPureTest {
  static final String SHA = "ab".repeat(32);

  @Test
  void parsesProcModules() {
    String text =
        """
        kvm_intel 368640 0 - Live 0xffffffffc0a00000
        kvm 1032192 1 kvm_intel, Live 0xffffffffc0800000
        garbage
        irqbypass 16384 x - Live 0x0
        """;
    assertThat(ProcModules.parse(text))
        .containsExactly(Map.entry("kvm_intel", 0), Map.entry("kvm", 1));
    assertThat(ProcModules.parse("")).isEmpty();
  }

  static BuildPlan.Request request(List<String> flags, String sync, String url) {
    return new BuildPlan.Request(
        "/w/",
        url,
        url == null ? "/srv/kvm.tar.gz" : null,
        SHA,
        flags,
        sync,
        0,
        Duration.ofSeconds(60),
        Duration.ofSeconds(600),
        true);
  }

  @Test
  void stampDependsOnSourceFlagsAndSyncButNotOnJobsOrLocation() {
    String base = request(List.of("--a"), "", "http://x/k.tgz").stamp();
    assertThat(base).matches("[0-9a-f]{64}");
    assertThat(request(List.of("--a"), "", null).stamp()).isEqualTo(base);
    assertThat(request(List.of("--b"), "", null).stamp()).isNotEqualTo(base);
    assertThat(request(List.of("--a", ""), "", null).stamp()).isNotEqualTo(base);
    assertThat(request(List.of("--a"), "/usr/src/linux", null).stamp()).isNotEqualTo(base);
    assertThat(request(List.of("--a"), "", null).buildDir())
        .isEqualTo("/w/build/" + base.substring(0, 16));
  }

  @Test
  void stepsInOrderWithTimeoutsAndArgvOnly() {
    BuildPlan.Request r = request(List.of("--x; rm -rf /"), "/usr/src/linux", "http://h/k.tgz");
    List<BuildStep> steps = BuildPlan.steps(r, 3);
    assertThat(steps)
        .extracting(BuildStep::name)
        .containsExactly(
            "Fetch", "Verify", "Unpack", "Clean", "Configure", "Sync", "Make", "Stamp");
    BuildStep configure = steps.get(4);
    assertThat(configure.argv()).endsWith("./configure", "--x; rm -rf /");
    assertThat(configure.argv()).contains(r.sourceDir(), "60");
    assertThat(configure.timeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(steps.get(3).ignoreFailure()).isTrue();
    assertThat(steps.get(5).argv())
        .endsWith("make", "-C", "kernel", "sync", "LINUX=/usr/src/linux");
    assertThat(steps.get(6).argv()).endsWith("make", "-j6");
    assertThat(steps.get(7).argv()).endsWith("/w/build/stamp", r.stamp());
    // Every script is a constant; spec strings only ever appear as separate argv elements.
    for (BuildStep s : steps) {
      assertThat(s.argv().get(2)).isEqualTo(BuildPlan.STEP);
    }
  }

  @Test
  void hostPathSkipsFetchAndNoSyncWithoutDir() {
    List<BuildStep> steps = BuildPlan.steps(request(List.of(), "", null), 1);
    assertThat(steps)
        .extracting(BuildStep::name)
        .containsExactly("Verify", "Unpack", "Clean", "Configure", "Make", "Stamp");
    assertThat(steps.get(0).argv()).contains("/srv/kvm.tar.gz", SHA);
    assertThat(steps.get(4).argv()).endsWith("make", "-j2");
  }

  @Test
  void patchedKernelFlagWhenModulesAreNotInserted() {
    BuildPlan.Request r =
        new BuildPlan.Request(
            "/w",
            null,
            "/k.tgz",
            SHA,
            List.of(),
            "",
            4,
            Duration.ofSeconds(1),
            Duration.ofSeconds(1),
            false);
    assertThat(BuildPlan.steps(r, 1).get(3).argv())
        .endsWith("./configure", "--with-patched-kernel");
    assertThat(BuildPlan.moduleFile(r, "kvm_intel"))
        .isEqualTo(r.sourceDir() + "/kernel/kvm-intel.ko");
  }
}
