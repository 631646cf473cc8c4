package dev.kvmop.host.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kvmop.api.HostKeyPolicy;
import dev.kvmop.host.RemoteShell;
import dev.kvmop.host.SshTarget;
import dev.kvmop.testing.ArgvFuzz;
import dev.kvmop.testing.ArgvFuzz.Route;
import dev.kvmop.testing.OpenSshServer;
import dev.kvmop.testing.SshKeys;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * 2 000 random argv elements through the one quoting function to a real {@code /bin/sh -c} behind
 * real OpenSSH sshd (login shell, then /bin/sh), printed back with {@code printf '%s\0'}:
 * byte-exact round trip.
 */
class QuotingFuzzOpenSshE2E {
  static final long SEED = 0x6b766d6f71L;
  static final int ELEMENTS = 2_000;

  @Test
  void twoThousandElementsRoundTripByteExact() throws Exception {
    assumeTrue(OpenSshServer.available(), "no /usr/sbin/sshd");
    SshKeys.KeyText key = SshKeys.generate("ed25519");
    try (OpenSshServer server = new OpenSshServer().authorize(key.publicKeyLine()).start();
        RemoteShell shell =
            new SshRemoteShellFactory()
                .connect(
                    new SshTarget(
                        "ns/fuzz",
                        "127.0.0.1",
                        server.port(),
                        System.getProperty("user.name"),
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
              + ", OpenSSH sshd)");
      assertThat(r.examples()).isEmpty();
      assertThat(r.mismatches()).isZero();
      assertThat(r.elements()).isEqualTo(ELEMENTS);
    }
  }
}
