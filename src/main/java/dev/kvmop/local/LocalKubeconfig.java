package dev.kvmop.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The kubeconfig of the embedded API. It holds the API's bearer token, so it is created 0600 before
 * anything is written to it.
 */
final class LocalKubeconfig {
  private LocalKubeconfig() {}

  static void write(Path file, String context, String url, String namespace, String token) {
    String yaml =
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: %1$s
          cluster:
            server: %2$s%5$s
        users:
        - name: %1$s
          user: {%4$s}
        contexts:
        - name: %1$s
          context:
            cluster: %1$s
            user: %1$s
            namespace: %3$s
        current-context: %1$s
        """
            .formatted(
                context,
                url,
                namespace,
                token == null ? "" : "token: " + token,
                // the embedded API's self-signed certificate, on loopback
                url.startsWith("https:") ? "\n    insecure-skip-tls-verify: true" : "");
    try {
      if (file.getParent() != null) {
        Files.createDirectories(file.getParent());
      }
      var ownerOnly = PosixFilePermissions.fromString("rw-------");
      if (!Files.exists(file)) {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(ownerOnly));
      }
      Files.setPosixFilePermissions(file, ownerOnly);
      Files.writeString(file, yaml, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
