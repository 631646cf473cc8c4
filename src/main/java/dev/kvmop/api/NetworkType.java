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

  /**
   * Not a value users write: what an unknown string in the JSON reads as (an API server that does
   * not enforce the CRD's enum let it through). Spec validation rejects it naming the field; left
   * out of the CRD by {@code @JsonIgnore}.
   */
  @JsonIgnore
  Unrecognized;

  /**
   * Reads the JSON value. An unknown string becomes {@link #Unrecognized} instead of an error: a
   * deserialization error would stop the informer, and with it the operator, for every object of
   * the kind. (Not null: JOSDK's clone drops nulls and the field initializer would bring back the
   * default, silently replacing the user's typo.)
   */
  @JsonCreator
  public static NetworkType fromJson(String value) {
    for (NetworkType v : values()) {
      if (v.name().equals(value)) {
        return v;
      }
    }
    return Unrecognized;
  }
}
