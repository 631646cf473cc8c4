package dev.kvmop.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * Turns library logging off for the command line, which reports in its own one-line messages: the
 * SSH and Kubernetes libraries would otherwise print their chatter (and stack traces) to stderr.
 * Must run before the first logger is made.
 */
final class CliLogging {
  private static final String PREFIX = "org.slf4j.simpleLogger.";

  private CliLogging() {}

  static void quiet() {
    System.setProperty(PREFIX + "defaultLogLevel", "off");
    // Levels set per logger in simplelogger.properties would still apply: turn those off too.
    Properties configured = new Properties();
    try (InputStream in = CliLogging.class.getResourceAsStream("/simplelogger.properties")) {
      if (in != null) {
        configured.load(in);
      }
    } catch (IOException e) {
      // No file, no per-logger levels.
    }
    for (String key : configured.stringPropertyNames()) {
      if (key.startsWith(PREFIX + "log.")) {
        System.setProperty(key, "off");
      }
    }
  }
}
