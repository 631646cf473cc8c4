package dev.kvmop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmHost;
import dev.kvmop.api.Labels;
import dev.kvmop.controller.host.HostSpecValidation;
import dev.kvmop.qemu.GuestSpecValidation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The manifests in examples/cluster are what users copy: each parses as its kind with no unknown
 * field, and passes the operator's own validation (a sample the operator refuses teaches nothing).
 */
class ExamplesTest {
  static final Path DIR = Path.of("examples/cluster");

  @Test
  void everyClusterExampleIsValid() throws IOException {
    List<HasMetadata> objects = new ArrayList<>();
    try (Stream<Path> files = Files.list(DIR)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        String text = Files.readString(f);
        // Plain Jackson, not the client's serialization, which keeps unknown fields and writes
        // them back out.
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        Map<?, ?> raw = yaml.readValue(text, Map.class);
        HasMetadata o = yaml.readValue(text, typeOf(String.valueOf(raw.get("kind"))));
        Object back = new ObjectMapper().convertValue(o, Map.class);
        assertThat(unknownFields("", raw, back))
            .as(f + ": fields the operator does not know")
            .isEmpty();
        objects.add(o);
      }
    }
    assertThat(objects).extracting(HasMetadata::getKind).contains("Secret", "KvmHost", "KvmGuest");
    for (HasMetadata o : objects) {
      String name = o.getKind() + " " + o.getMetadata().getName();
      if (o instanceof KvmHost h) {
        assertThat(HostSpecValidation.validate(h.getSpec())).as(name).isEmpty();
      } else if (o instanceof KvmGuest g) {
        assertThat(GuestSpecValidation.validate(g.getSpec())).as(name).isEmpty();
      } else if (o instanceof Secret s) {
        assertThat(s.getMetadata().getLabels()).as(name).containsKey(Labels.SSH_CREDENTIALS);
      }
    }
  }

  private static Class<? extends HasMetadata> typeOf(String kind) {
    return switch (kind) {
      case "KvmHost" -> KvmHost.class;
      case "KvmGuest" -> KvmGuest.class;
      case "Secret" -> Secret.class;
      default -> throw new AssertionError("an example of an unexpected kind: " + kind);
    };
  }

  /** Paths of {@code raw} that are not in {@code back} (the object as the operator reads it). */
  private static List<String> unknownFields(String at, Object raw, Object back) {
    List<String> unknown = new ArrayList<>();
    if (raw instanceof Map<?, ?> r) {
      if (!(back instanceof Map<?, ?> b)) {
        return List.of(at);
      }
      r.forEach(
          (k, v) -> {
            String path = at + "." + k;
            if (!b.containsKey(k)) {
              unknown.add(path);
            } else if (!"stringData".equals(k)) {
              unknown.addAll(unknownFields(path, v, b.get(k)));
            }
          });
    } else if (raw instanceof List<?> r && back instanceof List<?> b && r.size() == b.size()) {
      for (int i = 0; i < r.size(); i++) {
        unknown.addAll(unknownFields(at + "[" + i + "]", r.get(i), b.get(i)));
      }
    }
    return unknown;
  }
}
