package dev.kvmop.controller.host;

import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/** The SSH key material of a host, read from its Secret. Never printed. */
public record Credentials(String privateKey, String passphrase) {
  static final String PRIVATE_KEY = "ssh-privatekey";
  static final String PASSPHRASE = "passphrase";

  /** Problem reading the Secret, as a condition reason and a message without secret content. */
  public record Problem(String reason, String message) {}

  public static Object from(Secret secret, String secretName) {
    if (secret == null) {
      return new Problem(
          "SecretNotFound",
          "Secret "
              + secretName
              + " (spec.credentialsSecretRef) not found among the Secrets labelled "
              + dev.kvmop.api.Labels.SSH_CREDENTIALS_SELECTOR
              + ": create it, or add the label (the operator watches only labelled Secrets)");
    }
    String key = value(secret, PRIVATE_KEY);
    if (key == null || key.isBlank()) {
      return new Problem(
          "SecretKeyMissing",
          "Secret " + secretName + " has no key " + PRIVATE_KEY + " (spec.credentialsSecretRef)");
    }
    return new Credentials(key, value(secret, PASSPHRASE));
  }

  private static String value(Secret secret, String key) {
    Map<String, String> data = secret.getData();
    if (data != null && data.get(key) != null) {
      try {
        return new String(Base64.getMimeDecoder().decode(data.get(key)), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    Map<String, String> plain = secret.getStringData();
    return plain == null ? null : plain.get(key);
  }

  @Override
  public String toString() {
    return "Credentials[redacted]";
  }
}
