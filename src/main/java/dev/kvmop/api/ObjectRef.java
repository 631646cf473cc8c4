package dev.kvmop.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** A reference by name to an object in the same namespace. */
@JsonIgnoreProperties(ignoreUnknown = true)
public class ObjectRef {
  @Required
  @Pattern(Patterns.DNS_NAME)
  @JsonPropertyDescription("Name of the referenced object, in the same namespace.")
  public String name;

  public ObjectRef() {}

  public ObjectRef(String name) {
    this.name = name;
  }
}
