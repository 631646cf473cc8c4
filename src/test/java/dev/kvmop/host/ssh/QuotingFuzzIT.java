package dev.kvmop.host.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmop.api.HostKeyPolicy;
import dev.kvmop.host.RemoteShell;
import dev.kvmop.host.SshTarget;
import dev.kvmop.testing.ArgvFuzz;
import dev.kvmop.testing.ArgvFuzz.Route;
import dev.kvmop.testing.MinaSshServer;
import dev.kvmop.testing.SshKeys;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * 10 000 random argv elements through the one quoting function to a real {@code /bin/sh -c} behind
 * the embedded SSH server, printed back with {@code printf '%s\0'}: byte-exact round trip.
 */
class QuotingFuzzIT {
  static final long SEED = 0x6b766d6f70L;
  static final int ELEMENTS = 10_000;

  @Test
  void tenThousandElementsRoundTripByteExact() throws Exception {
    SshKeys.KeyText key = SshKeys.generate("ed25519");
    try (MinaSshServer server = new MinaSshServer().authorize(key.publicKeyLine()).start();
        RemoteShell shell =
            new SshRemoteShellFactory()
                .connect(
                    new SshTarget(
                        "ns/fuzz",
                        "127.0.0.1",
                        server.port(),
                        "root",
                        key.privateKey(),
                        null,
                        HostKeyPolicy.Pinned,
                        server.hostKeyLine(),
                        10))) {
      ArgvFuzz.Result r =
          ArgvFuzz.roundTrip(
              shell,
              ArgvFuzz.elements(SEED, ELEMENTS),
              200,
              List.of(
                  Route.SHELL_BUILTIN, Route.SHELL_EXEC, Route.SHELL_BUILTIN, Route.OWN_CHANNEL));
      System.out.println(
          "quoting-fuzz: "
              + r.elements()
              + " elements, "
              + r.mismatches()
              + " mismatches ("
              + r.commands()
              + " commands, seed "
              + SEED
              + ", MINA /bin/sh -c)");
      assertThat(r.examples()).isEmpty();
      assertThat(r.mismatches()).isZero();
      assertThat(r.elements()).isEqualTo(ELEMENTS);
    }
  }
}
