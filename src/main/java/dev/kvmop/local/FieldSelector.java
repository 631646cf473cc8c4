package dev.kvmop.local;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A list request's {@code fieldSelector} ({@code a.b=v,c!=w}), applied here because the CRUD mock
 * only understands {@code metadata.name}; kubectl describe finds an object's Events with {@code
 * involvedObject.*} selectors.
 */
record FieldSelector(List<Term> terms) {
  record Term(String path, String value, boolean equal) {}

  /** The selector in a raw query, if it has one. */
  static Optional<FieldSelector> of(String rawQuery) {
    if (rawQuery == null) {
      return Optional.empty();
    }
    for (String p : rawQuery.split("&")) {
      if (p.startsWith("fieldSelector=")) {
        String text = URLDecoder.decode(p.substring(14), StandardCharsets.UTF_8);
        List<Term> terms = new ArrayList<>();
        for (String t : text.split(",")) {
          if (t.isBlank()) {
            continue;
          }
          int ne = t.indexOf("!=");
          int eq = t.indexOf('=');
          if (ne >= 0) {
            terms.add(new Term(t.substring(0, ne), t.substring(ne + 2), false));
          } else if (eq >= 0) {
            String value = t.substring(eq + 1).replaceFirst("^=", "");
            terms.add(new Term(t.substring(0, eq), value, true));
          }
        }
        return Optional.of(new FieldSelector(terms));
      }
    }
    return Optional.empty();
  }

  /** The query without its fieldSelector (what is passed on to the CRUD mock). */
  static String without(String rawQuery) {
    return Arrays.stream(rawQuery.split("&"))
        .filter(p -> !p.startsWith("fieldSelector="))
        .collect(Collectors.joining("&"));
  }

  boolean matches(JsonNode item) {
    for (Term t : terms) {
      JsonNode node = item;
      for (String part : t.path().split("\\.")) {
        node = node == null ? null : node.get(part);
      }
      String actual = node == null || node.isNull() ? "" : node.asText();
      if (actual.equals(t.value()) != t.equal()) {
        return false;
      }
    }
    return true;
  }
}
