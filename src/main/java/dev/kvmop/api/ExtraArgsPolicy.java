package dev.kvmop.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;

/** Whether the guests on a host may pass their own qemu arguments (spec.extraArgs). */
public enum ExtraArgsPolicy {
  /** A guest with extraArgs is refused: qemu options reach files, devices and programs. */
  Forbidden,
  /** extraArgs are passed to qemu (except the options the operator owns). */
  Allowed,

  /** Not a value users write: what an unknown string reads as; left out of the CRD. */
  @JsonIgnore
  Unrecognized;

  /** Reads the JSON value; an unknown string is {@link #Unrecognized}. */
  @JsonCreator
  public static ExtraArgsPolicy fromJson(String value) {
    return LenientEnums.read(ExtraArgsPolicy.class, value, Unrecognized);
  }
}
