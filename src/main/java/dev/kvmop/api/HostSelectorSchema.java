package dev.kvmop.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;

/**
 * The CRD schema of {@link KvmGuestSpec#hostSelector}, which is a standard LabelSelector: the same
 * shape with its sizes bounded, so the API server can afford to check each requirement with CEL (an
 * unbounded list makes the rule's estimated cost exceed the budget). Never instantiated.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public final class HostSelectorSchema {
  /** Most matchLabels and matchExpressions entries, and values per expression. */
  public static final int MAX_TERMS = 32;

  public static final int MAX_VALUES = 64;

  private HostSelectorSchema() {}

  @Size(max = MAX_TERMS)
  @JsonPropertyDescription("Labels a host must carry with exactly these values.")
  public Map<String, String> matchLabels;

  @Size(max = MAX_TERMS)
  @JsonPropertyDescription("Requirements a host's labels must all meet.")
  public List<Requirement> matchExpressions;

  /** One requirement on a label. */
  @ValidationRule(
      value = "(self.operator in ['In', 'NotIn']) == (has(self.values) && size(self.values) > 0)",
      message = "In and NotIn need values, Exists and DoesNotExist take none")
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static final class Requirement {
    private Requirement() {}

    @Required
    @Size(min = 1, max = 317)
    @JsonPropertyDescription("The label key.")
    public String key;

    @Required
    @Pattern("^(In|NotIn|Exists|DoesNotExist)$")
    @JsonPropertyDescription("In, NotIn, Exists or DoesNotExist.")
    public String operator;

    @Size(max = MAX_VALUES)
    @JsonPropertyDescription("Label values: one or more for In and NotIn, none otherwise.")
    public List<String> values;
  }
}
