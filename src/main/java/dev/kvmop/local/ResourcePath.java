package dev.kvmop.local;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A REST path of a resource collection or object: {@code
 * /api/v1/[namespaces/NS/]PLURAL[/NAME[/SUB]]} or {@code
 * /apis/GROUP/VERSION/[namespaces/NS/]PLURAL[/NAME[/SUB]]}.
 */
record ResourcePath(
    String group,
    String version,
    String namespace,
    String plural,
    String name,
    String subresource) {

  static Optional<ResourcePath> parse(String path) {
    List<String> seg = Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toList();
    int i;
    String group;
    String version;
    if (seg.size() >= 3 && seg.get(0).equals("api")) {
      group = "";
      version = seg.get(1);
      i = 2;
    } else if (seg.size() >= 4 && seg.get(0).equals("apis")) {
      group = seg.get(1);
      version = seg.get(2);
      i = 3;
    } else {
      return Optional.empty();
    }
    List<String> rest = seg.subList(i, seg.size());
    String ns = null;
    if (rest.size() >= 3 && rest.get(0).equals("namespaces")) {
      ns = rest.get(1);
      rest = rest.subList(2, rest.size());
    }
    if (rest.isEmpty() || rest.size() > 3) {
      return Optional.empty();
    }
    return Optional.of(
        new ResourcePath(
            group,
            version,
            ns,
            rest.get(0),
            rest.size() > 1 ? rest.get(1) : null,
            rest.size() > 2 ? rest.get(2) : null));
  }
}
