package dev.kvmop.host.ssh;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** Long jobs on channels of their own never take the permits the pooled shells need. */
class ChannelPermitsTest {
  static long soon() {
    return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
  }

  @Test
  void jobsOnTheirOwnChannelsLeaveThePooledShellsTheirShare() throws Exception {
    ChannelPermits permits = new ChannelPermits(10);
    for (int i = 0; i < 6; i++) {
      permits.acquireOwnChannel(soon());
    }
    assertThatThrownBy(() -> permits.acquireOwnChannel(soon()))
        .as("a seventh long job waits for one of the six")
        .isInstanceOf(TimeoutException.class);
    for (int i = 0; i < 4; i++) {
      assertThatCode(() -> permits.acquireChannel(soon()))
          .as("pooled shell " + i)
          .doesNotThrowAnyException();
    }

    permits.releaseOwnChannel();
    assertThatCode(() -> permits.acquireOwnChannel(soon())).doesNotThrowAnyException();
  }

  @Test
  void aSingleSessionHostStillRunsJobs() {
    ChannelPermits permits = new ChannelPermits(1);
    assertThatCode(() -> permits.acquireOwnChannel(soon())).doesNotThrowAnyException();
    permits.releaseOwnChannel();
    assertThatCode(() -> permits.acquireChannel(soon())).doesNotThrowAnyException();
  }
}
