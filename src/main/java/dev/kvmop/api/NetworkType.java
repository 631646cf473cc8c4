package dev.kvmop.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;

/** How a guest NIC is connected. */
public enum NetworkType {
  /** A tap device joined to the host's bridge through the operator's qemu-ifup script. */
  Bridge,
  /** qemu user-mode networking. */
  User,
  /** No NIC and no pool address. */
  None,

  /** Not a value users write: what an unknown string reads as; left out of the CRD. */
  @JsonIgnore
  Unrecognized;

  /**
   * Reads the JSON value; an unknown string is {@link #Unrecognized} (see {@link LenientEnums}).
   */
  @JsonCreator
  public static NetworkType fromJson(String value) {
    return LenientEnums.read(NetworkType.class, value, Unrecognized);
  }
}
