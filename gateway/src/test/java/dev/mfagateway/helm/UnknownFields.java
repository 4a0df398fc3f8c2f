package dev.mfagateway.helm;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * fabric8 does not reject fields it does not know: it keeps them in {@code getAdditionalProperties()}. This walks a
 * parsed model and lists every such field by its path, so a misspelt or misplaced key in a manifest fails a test.
 * A {@link GenericKubernetesResource} (a CRD such as ServiceMonitor) keeps everything but its metadata there, so only
 * its metadata is walked; its body is checked by hand.
 */
final class UnknownFields {
  private static final String MODEL_PACKAGE = "io.fabric8.kubernetes.api.model";

  private UnknownFields() {}

  static List<String> in(Object model, String rootPath) {
    List<String> found = new ArrayList<>();
    if (model instanceof GenericKubernetesResource generic) {
      walk(generic.getMetadata(), rootPath + ".metadata", found);
    } else {
      walk(model, rootPath, found);
    }
    return found;
  }

  private static void walk(Object node, String path, List<String> found) {
    if (node instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        walk(list.get(i), path + "[" + i + "]", found);
      }
      return;
    }
    if (node instanceof Map<?, ?> map) {
      map.forEach((key, value) -> walk(value, path + "." + key, found));
      return;
    }
    if (node == null || !node.getClass().getName().startsWith(MODEL_PACKAGE)) {
      return;
    }
    for (Class<?> type = node.getClass(); type != Object.class; type = type.getSuperclass()) {
      for (Field field : type.getDeclaredFields()) {
        if (Modifier.isStatic(field.getModifiers())) {
          continue;
        }
        Object value = read(field, node);
        if (field.getName().equals("additionalProperties")) {
          if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
            extra.keySet().forEach(key -> found.add(path + "." + key));
          }
        } else {
          walk(value, path + "." + field.getName(), found);
        }
      }
    }
  }

  private static Object read(Field field, Object owner) {
    try {
      field.setAccessible(true);
      return field.get(owner);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("cannot read " + field, e);
    }
  }
}
