package dev.kvmop.testing;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Client key pairs as a user would put them in a Secret, made by the real {@code ssh-keygen} so the
 * formats are exactly OpenSSH's.
 */
public final class SshKeys {
  /**
   * @param privateKey private key file text
   * @param publicKeyLine "ssh-ed25519 AAAA... comment"
   */
  public record KeyText(String privateKey, String publicKeyLine) {}

  private SshKeys() {}

  /** type: ed25519, rsa or ecdsa; passphrase may be null; pem picks the legacy PEM format. */
  public static KeyText generate(String type, String passphrase, boolean pem) {
    try {
      Path dir = Files.createTempDirectory("kvmop-key");
      Path file = dir.resolve("id");
      List<String> cmd =
          new ArrayList<>(List.of("ssh-keygen", "-q", "-t", type, "-C", "kvmop-test"));
      if (type.equals("rsa")) {
        cmd.addAll(List.of("-b", "2048"));
      }
      if (pem) {
        cmd.addAll(List.of("-m", "PEM"));
      }
      cmd.addAll(List.of("-N", passphrase == null ? "" : passphrase, "-f", file.toString()));
      run(cmd);
      KeyText key =
          new KeyText(
              Files.readString(file, StandardCharsets.US_ASCII),
              Files.readString(dir.resolve("id.pub"), StandardCharsets.US_ASCII).strip());
      Files.delete(file);
      Files.delete(dir.resolve("id.pub"));
      Files.delete(dir);
      return key;
    } catch (IOException e) {
      throw new IllegalStateException("ssh-keygen failed", e);
    }
  }

  public static KeyText generate(String type) {
    return generate(type, null, false);
  }

  /**
   * The Secret a user makes of a client key, labelled for the operator's Secret watch: {@code
   * ssh-privatekey} and, when {@code passphrase} is not null, {@code passphrase}, both base64 in
   * {@code data} as a real API server stores them. No namespace: the caller's client puts it in
   * one.
   */
  public static Secret secret(String name, String privateKey, String passphrase) {
    Map<String, String> data = new LinkedHashMap<>();
    data.put("ssh-privatekey", base64(privateKey));
    if (passphrase != null) {
      data.put("passphrase", base64(passphrase));
    }
    return new SecretBuilder()
        .withNewMetadata()
        .withName(name)
        .addToLabels(dev.kvmop.api.Labels.SSH_CREDENTIALS, "true")
        .endMetadata()
        .withData(data)
        .build();
  }

  private static String base64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  /** Writes an ed25519 host key for sshd into {@code file} (and file.pub). */
  public static void hostKey(Path file) {
    run(
        List.of(
            "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "host", "-f", file.toString()));
  }

  /** "SHA256:..." of a public key file, as ssh-keygen -l prints it. */
  public static String fingerprint(Path publicKeyFile) {
    String out = run(List.of("ssh-keygen", "-l", "-E", "sha256", "-f", publicKeyFile.toString()));
    return out.split("\\s+")[1];
  }

  static String run(List<String> cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(cmd.get(0) + " failed: " + out);
      }
      return out;
    } catch (IOException e) {
      throw new IllegalStateException(cmd.get(0) + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
