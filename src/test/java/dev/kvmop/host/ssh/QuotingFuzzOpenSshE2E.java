package dev.kvmop.host.ssh;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kvmop.host.RemoteShell;
import dev.kvmop.testing.ArgvFuzz;
import dev.kvmop.testing.OpenSshServer;
import dev.kvmop.testing.SshKeys;
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
            new SshRemoteShellFactory().connect(server.target("ns/fuzz", key.privateKey(), 10))) {
      ArgvFuzz.assertRoundTrip(shell, SEED, ELEMENTS, "OpenSSH sshd");
    }
  }
}
