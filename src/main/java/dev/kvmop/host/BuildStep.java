package dev.kvmop.host;

import java.time.Duration;
import java.util.List;

/**
 * One step of a kvm build, run on its own SSH channel.
 *
 * @param name step name, used as the progress condition's reason (Fetch, Verify, Unpack, Clean,
 *     Configure, Sync, Make, Stamp)
 * @param argv the remote argv (never shell text built from spec strings)
 * @param timeout how long the step may run on the host; the channel waits a little longer
 * @param ignoreFailure true for {@code make clean}
 */
public record BuildStep(String name, List<String> argv, Duration timeout, boolean ignoreFailure) {
  public BuildStep {
    argv = List.copyOf(argv);
  }
}
