package dev.kvmop.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;

/** qemu accelerator selection. */
public enum Accel {
  /** kvm when the host has /dev/kvm, otherwise tcg when the host allows it. */
  Auto,
  Kvm,
  Tcg,

  /** Not a value users write: what an unknown string reads as; left out of the CRD. */
  @JsonIgnore
  Unrecognized;

  /**
   * Reads the JSON value; an unknown string is {@link #Unrecognized} (see {@link LenientEnums}).
   */
  @JsonCreator
  public static Accel fromJson(String value) {
    return LenientEnums.read(Accel.class, value, Unrecognized);
  }
}
