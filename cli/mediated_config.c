#include "mediated_config.h"

#include <string.h>

#include "json_fields.h"

static const char *const top_keys[] = {"mediated", NULL};
static const char list_path[] = "mediated";

static bool listed_before(const struct mediated_config *cfg, unsigned index, unsigned *first)
{
    for (unsigned i = 0; i < index; i++) {
        if (strcmp(cfg->paths[i], cfg->paths[index]) == 0) {
            *first = i;
            return true;
        }
    }
    return false;
}

static void parse_path(const cJSON *item, unsigned index, struct mediated_config *cfg,
                       struct config_diag *diag)
{
    char path[CONFIG_PATH_SIZE];
    unsigned first;
    config_path_index(path, list_path, index);
    if (!cJSON_IsString(item)) {
        config_error(diag, path, "expected a file name string");
        return;
    }
    if (item->valuestring[0] == '\0') {
        config_error(diag, path, "must not be empty");
        return;
    }
    if (strlen(item->valuestring) >= MEDIATED_PATH_SIZE) {
        config_error(diag, path, "is longer than %d bytes", MEDIATED_PATH_SIZE - 1);
        return;
    }
    strcpy(cfg->paths[index], item->valuestring);
    if (listed_before(cfg, index, &first))
        config_error(diag, path, "\"%s\" is already %s[%u]", cfg->paths[index], list_path, first);
}

bool mediated_config_parse(const char *text, size_t len, struct mediated_config *cfg,
                           struct config_diag *diag)
{
    unsigned errors_before = diag->errors;
    memset(cfg, 0, sizeof(*cfg));
    cJSON *root = json_load_object(text, len, diag);
    if (!root)
        return false;
    const cJSON *list = json_get(root, "", list_path, cJSON_Array, JSON_REQUIRED, diag);
    if (list) {
        cfg->count = json_array_size(list, list_path, MEDIATED_DISK_MAX, diag);
        for (unsigned i = 0; i < cfg->count; i++)
            parse_path(cJSON_GetArrayItem(list, (int)i), i, cfg, diag);
    }
    json_warn_unknown(root, "", top_keys, diag);
    cJSON_Delete(root);
    return diag->errors == errors_before;
}
