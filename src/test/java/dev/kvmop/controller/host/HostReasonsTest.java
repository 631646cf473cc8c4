package dev.kvmop.controller.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmop.api.HostReasons;
import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.host.BuildPlan;
import dev.kvmop.host.BuildStep;
import dev.kvmop.host.HostException;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The host's public vocabulary is complete and documented. */
class HostReasonsTest {
  static List<String> reasons() {
    return Arrays.stream(HostReasons.class.getFields())
        .filter(f -> Modifier.isStatic(f.getModifiers()) && f.getType() == String.class)
        .map(
            f -> {
              try {
                return (String) f.get(null);
              } catch (IllegalAccessException e) {
                throw new AssertionError(e);
              }
            })
        .toList();
  }

  static String hostSection() throws IOException {
    String doc = Files.readString(Path.of("docs/state-diagrams.md"));
    return doc.substring(doc.indexOf("## KvmHost"), doc.indexOf("## KvmGuest"));
  }

  @Test
  void everyReasonIsListedInTheHostSectionOfTheStateDiagrams() throws IOException {
    String section = hostSection();
    assertThat(reasons()).isNotEmpty().allMatch(r -> section.contains("| `" + r + "` |"));
    assertThat(HostReasons.BUILD_STEPS).allMatch(section::contains);
  }

  @Test
  void everyConnectionFailureIsAReason() {
    assertThat(reasons())
        .containsAll(Arrays.stream(HostException.Reason.values()).map(Enum::name).toList());
  }

  @Test
  void theBuildStepsAreThoseTheBuildRuns() {
    KvmHostSpec spec = new KvmHostSpec();
    spec.kvm.build = new KvmHostSpec.Build();
    spec.kvm.build.source = new KvmHostSpec.Source();
    spec.kvm.build.source.url = "https://example.org/kvm.tgz";
    spec.kvm.build.syncKernelDir = "/usr/src/linux";
    List<String> steps =
        BuildPlan.steps(KvmBuild.request(spec, "0".repeat(64)), 1).stream()
            .map(BuildStep::name)
            .toList();
    assertThat(steps).containsExactlyElementsOf(HostReasons.BUILD_STEPS);
  }
}
