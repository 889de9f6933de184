/* yamldoc_emit.c — a yamldoc tree written back as YAML through libyaml.
 *
 * The file is written next to its destination and renamed over it, so a
 * reader (or a crash) never sees half a config file.
 */
#include "yamldoc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "filemode.h"

#define TEMP_SUFFIX ".tmp.XXXXXX"

/* A string that would read back as another type (`"true"`, `"10"`, `""`)
 * must be quoted; everything else may take the style libyaml finds best. */
static yaml_scalar_style_t scalar_style(const struct yamldoc_node *n)
{
    if (n->quoted && yamldoc_type_text(n->text).type != YAMLDOC_STRING)
        return YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    return YAML_ANY_SCALAR_STYLE;
}

/* Keep the mode of the file we replace (its owner chose it); a new file is
 * its writer's alone (filemode.h): it may hold secrets. */
static mode_t file_mode(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? sb.st_mode & 07777 : FILEMODE_FILE;
}

static int emit_node(yaml_emitter_t *em, const struct yamldoc_node *n)
{
    yaml_event_t ev;

    switch (n->kind) {
    case YAMLDOC_SCALAR:
        return yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)n->text,
                                            (int)n->len, 1, 1, scalar_style(n)) &&
                       yaml_emitter_emit(em, &ev)
                   ? 0
                   : -1;
    case YAMLDOC_SEQUENCE:
        if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
                                                  YAML_ANY_SEQUENCE_STYLE) ||
            !yaml_emitter_emit(em, &ev))
            return -1;
        for (size_t i = 0; i < n->count; i++)
            if (emit_node(em, n->items[i]) != 0)
                return -1;
        return yaml_sequence_end_event_initialize(&ev) && yaml_emitter_emit(em, &ev) ? 0 : -1;
    case YAMLDOC_MAPPING:
        if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_ANY_MAPPING_STYLE) ||
            !yaml_emitter_emit(em, &ev))
            return -1;
        for (size_t i = 0; i < n->count; i++)
            if (emit_node(em, n->pairs[i].key) != 0 || emit_node(em, n->pairs[i].value) != 0)
                return -1;
        return yaml_mapping_end_event_initialize(&ev) && yaml_emitter_emit(em, &ev) ? 0 : -1;
    }
    return -1;
}

static int emit_document(yaml_emitter_t *em, const struct yamldoc_node *root)
{
    yaml_event_t ev;
    if (!yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) ||
        !yaml_emitter_emit(em, &ev) ||
        !yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) ||
        !yaml_emitter_emit(em, &ev) || emit_node(em, root) != 0 ||
        !yaml_document_end_event_initialize(&ev, 1) || !yaml_emitter_emit(em, &ev) ||
        !yaml_stream_end_event_initialize(&ev) || !yaml_emitter_emit(em, &ev) ||
        !yaml_emitter_flush(em))
        return -1;
    return 0;
}

int yamldoc_emit_file(const struct yamldoc_node *root, const char *path, char *err,
                      size_t errlen)
{
    int rc = -1;
    FILE *f = NULL;
    bool emitter_ready = false;
    yaml_emitter_t em;
    size_t tmplen = strlen(path) + sizeof TEMP_SUFFIX;
    char *tmp = malloc(tmplen);

    if (!tmp) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    snprintf(tmp, tmplen, "%s%s", path, TEMP_SUFFIX);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        goto fail;
    }
    if (fchmod(fd, file_mode(path)) != 0) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        close(fd);
        goto fail_unlink;
    }
    f = fdopen(fd, "w");
    if (!f) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        close(fd);
        goto fail_unlink;
    }
    if (!yaml_emitter_initialize(&em)) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto fail_unlink;
    }
    emitter_ready = true;
    yaml_emitter_set_output_file(&em, f);
    yaml_emitter_set_unicode(&em, 1);
    if (emit_document(&em, root) != 0) {
        snprintf(err, errlen, "%s: cannot write YAML: %s", path,
                 em.problem ? em.problem : strerror(errno));
        goto fail_unlink;
    }
    int closed = fclose(f);
    f = NULL;
    if (closed != 0) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        goto fail_unlink;
    }
    if (rename(tmp, path) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        goto fail_unlink;
    }
    rc = 0;
fail_unlink:
    if (rc != 0) {
        if (f)
            fclose(f); /* already failing: its own error adds nothing */
        unlink(tmp);
    }
fail:
    if (emitter_ready)
        yaml_emitter_delete(&em);
    free(tmp);
    return rc;
}
