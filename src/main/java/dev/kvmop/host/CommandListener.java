package dev.kvmop.host;

import java.time.Duration;

/**
 * Told about every finished remote command, so metrics can observe the SSH layer without the SSH
 * layer depending on a metrics library.
 */
@FunctionalInterface
public interface CommandListener {
  CommandListener NONE = (hostId, op, took, ok) -> {};

  /**
   * @param ok true when the command ran to completion with exit code 0
   */
  void commandFinished(String hostId, String op, Duration took, boolean ok);
}
