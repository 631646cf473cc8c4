package dev.kvmop.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;

/** How the operator decides whether to trust the SSH host key a host presents. */
public enum HostKeyPolicy {
  /** Only the key in {@code spec.hostKey} is accepted. */
  Pinned,
  /** The first key seen is recorded in {@code status.observedHostKey} and pinned from then on. */
  TrustOnFirstUse,

  /** Not a value users write: what an unknown string reads as; left out of the CRD. */
  @JsonIgnore
  Unrecognized;

  /**
   * Reads the JSON value; an unknown string is {@link #Unrecognized} (see {@link LenientEnums}).
   */
  @JsonCreator
  public static HostKeyPolicy fromJson(String value) {
    return LenientEnums.read(HostKeyPolicy.class, value, Unrecognized);
  }
}
