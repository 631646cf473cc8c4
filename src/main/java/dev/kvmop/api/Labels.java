package dev.kvmop.api;

/** Labels the operator reads. */
public final class Labels {
  /**
   * On the Secrets that KvmHosts name in spec.credentialsSecretRef, value {@code "true"}: the
   * operator watches only Secrets with it, so it neither caches every Secret of the cluster nor
   * grows with unrelated ones.
   */
  public static final String SSH_CREDENTIALS = "kvmop.dev/ssh-credentials";

  /** The label selector of the operator's Secret informer. */
  public static final String SSH_CREDENTIALS_SELECTOR = SSH_CREDENTIALS + "=true";

  private Labels() {}
}
