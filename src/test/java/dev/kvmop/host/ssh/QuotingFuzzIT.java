package dev.kvmop.host.ssh;

import dev.kvmop.host.RemoteShell;
import dev.kvmop.testing.ArgvFuzz;
import dev.kvmop.testing.MinaSshServer;
import dev.kvmop.testing.SshKeys;
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
            new SshRemoteShellFactory().connect(server.target("ns/fuzz", key.privateKey(), 10))) {
      ArgvFuzz.assertRoundTrip(shell, SEED, ELEMENTS, "MINA /bin/sh -c");
    }
  }
}
