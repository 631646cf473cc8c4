package dev.kvmop.controller.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmop.api.HostPhase;
import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.controller.HostDirectory;
import java.time.Clock;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** What the image cache sweeps remember of a host goes when the host's deletion is done. */
class SweepMemoryTest {
  @Test
  void aDeletedHostsLastSweepIsForgotten() {
    HostDirectory directory = new HostDirectory();
    var sweeps = SweepImageCache.pair(Clock.systemUTC(), null, directory);
    directory.publish(
        new HostDirectory.Entry("lab/h1", null, new KvmHostSpec(), HostPhase.Ready, null, null));
    directory.publish(
        new HostDirectory.Entry("lab/h2", null, new KvmHostSpec(), HostPhase.Ready, null, null));
    sweeps.get(0).last().put("lab/h1", new SweepImageCache.Swept("s", Instant.EPOCH));
    sweeps.get(0).last().put("lab/h2", new SweepImageCache.Swept("s", Instant.EPOCH));

    directory.remove("lab/h1");

    assertThat(sweeps.get(1).last()).containsOnlyKeys("lab/h2");
  }
}
