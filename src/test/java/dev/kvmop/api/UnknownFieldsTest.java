package dev.kvmop.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every class of the API that is read from JSON ignores fields it does not know: a field added by a
 * newer CRD (or an older replica during an upgrade) must never stop an informer.
 */
class UnknownFieldsTest {
  @Test
  void everyApiClassWithFieldsIgnoresUnknownProperties() throws Exception {
    List<String> missing = new ArrayList<>();
    for (Class<?> c : apiClasses()) {
      boolean hasJsonFields =
          List.of(c.getDeclaredFields()).stream()
              .anyMatch(f -> isInstanceField(f) && Modifier.isPublic(f.getModifiers()));
      JsonIgnoreProperties ignore = c.getAnnotation(JsonIgnoreProperties.class);
      if ((hasJsonFields || KvmHost.class == c || KvmGuest.class == c)
          && (ignore == null || !ignore.ignoreUnknown())) {
        missing.add(c.getName());
      }
    }
    assertThat(missing).as("classes without @JsonIgnoreProperties(ignoreUnknown = true)").isEmpty();
  }

  @Test
  void aHostWithAnUnknownSpecFieldReads() {
    var json = new io.fabric8.kubernetes.client.utils.KubernetesSerialization();
    KvmHost h =
        json.unmarshal(
            "{\"apiVersion\":\"kvmop.dev/v1alpha1\",\"kind\":\"KvmHost\",\"metadata\":{\"name\":\"a\"},"
                + "\"spec\":{\"address\":\"10.0.0.5\",\"futureField\":1,"
                + "\"qemu\":{\"futureToo\":\"x\"}},\"status\":{\"futureStatus\":{}}}",
            KvmHost.class);
    assertThat(h.getSpec().address).isEqualTo("10.0.0.5");
  }

  private static boolean isInstanceField(Field f) {
    return !Modifier.isStatic(f.getModifiers()) && !f.isSynthetic();
  }

  private static List<Class<?>> apiClasses() throws IOException, ClassNotFoundException {
    Path dir = Path.of("target/classes/dev/kvmop/api");
    List<Class<?>> classes = new ArrayList<>();
    try (var files = Files.list(dir)) {
      for (Path p : files.filter(f -> f.toString().endsWith(".class")).toList()) {
        String simple = p.getFileName().toString().replace(".class", "");
        classes.add(Class.forName("dev.kvmop.api." + simple.replace('/', '.')));
      }
    }
    assertThat(classes).isNotEmpty();
    return classes;
  }
}
