/* Unit tests for oci-spec/config.c: typed fields, defaults and exact error text. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/util.h"
#include "../../oci-spec/config.h"
#include "unit.h"

#define MIN_HEAD "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"}"
#define WITH_PROCESS(p) MIN_HEAD ", \"process\": {\"args\": [\"sh\"], " p "}}"

static struct oci_config *parse_len(const char *text, size_t size)
{
  struct oci_config *cfg = NULL;
  hacher_error_t err = NULL;

  if (oci_config_parse("config.json", text, size, &cfg, &err) < 0) {
    printf("  unexpected error: %s\n", err->msg);
    hacher_error_release(&err);
    return NULL;
  }
  return cfg;
}

static struct oci_config *parse(const char *text)
{
  return parse_len(text, strlen(text));
}

/* Returns the error message (caller frees) or NULL when parsing succeeded. */
static char *parse_error_len(const char *text, size_t size)
{
  struct oci_config *cfg = NULL;
  hacher_error_t err = NULL;
  char *msg;

  if (oci_config_parse("config.json", text, size, &cfg, &err) == 0) {
    oci_config_free(cfg);
    return NULL;
  }
  msg = xstrdup(err->msg);
  hacher_error_release(&err);
  return msg;
}

static char *parse_error(const char *text)
{
  return parse_error_len(text, strlen(text));
}

#define CHECK_ERROR(json, expected)                                                                \
  do {                                                                                             \
    cleanup_free char *check_msg = parse_error(json);                                              \
    CHECK_EQ_STR(check_msg, expected);                                                             \
  } while (0)

static const char full_config[] =
    "{\n"
    "  \"ociVersion\": \"1.1.0\",\n"
    "  \"process\": {\n"
    "    \"terminal\": true,\n"
    "    \"user\": {\"uid\": 1000, \"gid\": 1001, \"umask\": 18, \"additionalGids\": [5, 6, 7]},\n"
    "    \"args\": [\"/bin/echo\", \"hello\", \"\"],\n"
    "    \"env\": [\"PATH=/bin\", \"A=b c\"],\n"
    "    \"cwd\": \"/work\",\n"
    "    \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 4096, \"soft\": 1024},\n"
    "                {\"type\": \"RLIMIT_CORE\", \"hard\": 18446744073709551615, \"soft\": 0}],\n"
    "    \"noNewPrivileges\": true\n"
    "  },\n"
    "  \"root\": {\"path\": \"rootfs\", \"readonly\": true},\n"
    "  \"hostname\": \"box\",\n"
    "  \"mounts\": [\n"
    "    {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},\n"
    "    {\"destination\": \"/tmp\", \"options\": [\"nosuid\", \"size=1m\"]}\n"
    "  ],\n"
    "  \"annotations\": {\"org.example.a\": \"1\", \"b\": \"two\"},\n"
    "  \"linux\": {\n"
    "    \"namespaces\": [{\"type\": \"pid\"},\n"
    "                   {\"type\": \"network\", \"path\": \"/proc/1/ns/net\"}],\n"
    "    \"resources\": {\"memory\": {\"limit\": 536870912, \"reservation\": 1024, \"swap\": -1}}\n"
    "  }\n"
    "}\n";

TEST(config_full)
{
  struct oci_config *cfg = parse(full_config);

  CHECK(cfg != NULL);
  if (cfg == NULL)
    return;
  CHECK_EQ_STR(cfg->oci_version, "1.1.0");
  CHECK(cfg->has_process);
  CHECK(cfg->terminal);
  CHECK_EQ_INT(cfg->args_count, 3);
  CHECK_EQ_STR(cfg->args[0], "/bin/echo");
  CHECK_EQ_STR(cfg->args[1], "hello");
  CHECK_EQ_STR(cfg->args[2], "");
  CHECK(cfg->args[3] == NULL);
  CHECK_EQ_INT(cfg->env_count, 2);
  CHECK_EQ_STR(cfg->env[1], "A=b c");
  CHECK(cfg->env[2] == NULL);
  CHECK_EQ_STR(cfg->cwd, "/work");
  CHECK_EQ_INT(cfg->uid, 1000);
  CHECK_EQ_INT(cfg->gid, 1001);
  CHECK(cfg->has_umask);
  CHECK_EQ_INT(cfg->umask, 022);
  CHECK_EQ_INT(cfg->additional_gids_count, 3);
  CHECK_EQ_INT(cfg->additional_gids[2], 7);
  CHECK_EQ_INT(cfg->rlimits_count, 2);
  CHECK_EQ_STR(cfg->rlimits[0].type, "RLIMIT_NOFILE");
  CHECK_EQ_INT(cfg->rlimits[0].hard, 4096);
  CHECK_EQ_INT(cfg->rlimits[0].soft, 1024);
  CHECK(cfg->rlimits[1].hard == UINT64_MAX);
  CHECK(cfg->no_new_privileges);
  CHECK_EQ_STR(cfg->root_path, "rootfs");
  CHECK(cfg->root_readonly);
  CHECK_EQ_STR(cfg->hostname, "box");
  CHECK_EQ_INT(cfg->mounts_count, 2);
  CHECK_EQ_STR(cfg->mounts[0].destination, "/proc");
  CHECK_EQ_STR(cfg->mounts[0].type, "proc");
  CHECK_EQ_STR(cfg->mounts[0].source, "proc");
  CHECK_EQ_INT(cfg->mounts[0].options_count, 0);
  CHECK(cfg->mounts[0].options != NULL && cfg->mounts[0].options[0] == NULL);
  CHECK(cfg->mounts[1].type == NULL && cfg->mounts[1].source == NULL);
  CHECK_EQ_INT(cfg->mounts[1].options_count, 2);
  CHECK_EQ_STR(cfg->mounts[1].options[1], "size=1m");
  CHECK(cfg->mounts[1].options[2] == NULL);
  CHECK_EQ_INT(cfg->annotations_count, 2);
  CHECK_EQ_STR(cfg->annotations[0].key, "org.example.a");
  CHECK_EQ_STR(oci_config_annotation(cfg, "b"), "two");
  CHECK(oci_config_annotation(cfg, "missing") == NULL);
  CHECK_EQ_INT(cfg->namespaces_count, 2);
  CHECK_EQ_STR(cfg->namespaces[0].type, "pid");
  CHECK(cfg->namespaces[0].path == NULL);
  CHECK_EQ_STR(cfg->namespaces[1].path, "/proc/1/ns/net");
  CHECK(cfg->resources.has_memory_limit && cfg->resources.memory_limit == 536870912);
  CHECK(cfg->resources.has_memory_reservation && cfg->resources.memory_reservation == 1024);
  CHECK(cfg->resources.has_memory_swap && cfg->resources.memory_swap == -1);
  oci_config_free(cfg);
}

TEST(config_minimal)
{
  struct oci_config *cfg = parse(MIN_HEAD "}");

  CHECK(cfg != NULL);
  if (cfg == NULL)
    return;
  CHECK_EQ_STR(cfg->oci_version, "1.0.2");
  CHECK_EQ_STR(cfg->root_path, "rootfs");
  CHECK(!cfg->has_process);
  CHECK(!cfg->root_readonly);
  CHECK(cfg->args != NULL && cfg->args[0] == NULL && cfg->args_count == 0);
  CHECK(cfg->env != NULL && cfg->env[0] == NULL && cfg->env_count == 0);
  CHECK_EQ_STR(cfg->cwd, "/");
  CHECK(cfg->additional_gids != NULL && cfg->additional_gids_count == 0);
  CHECK(cfg->rlimits != NULL && cfg->rlimits_count == 0);
  CHECK(cfg->mounts != NULL && cfg->mounts_count == 0);
  CHECK(cfg->annotations != NULL && cfg->annotations_count == 0);
  CHECK(cfg->namespaces != NULL && cfg->namespaces_count == 0);
  CHECK(cfg->hostname == NULL);
  CHECK(!cfg->resources.has_memory_limit && !cfg->resources.has_memory_reservation &&
        !cfg->resources.has_memory_swap);
  oci_config_free(cfg);
}

TEST(config_process_defaults)
{
  struct oci_config *cfg = parse(MIN_HEAD ", \"process\": {\"args\": [\"true\"]}}");

  CHECK(cfg != NULL);
  if (cfg == NULL)
    return;
  CHECK(cfg->has_process);
  CHECK(!cfg->terminal && !cfg->no_new_privileges && !cfg->has_umask);
  CHECK_EQ_STR(cfg->cwd, "/");
  CHECK_EQ_INT(cfg->uid, 0);
  CHECK_EQ_INT(cfg->gid, 0);
  CHECK(cfg->env != NULL && cfg->env_count == 0);
  CHECK(cfg->rlimits != NULL && cfg->rlimits_count == 0);
  CHECK(cfg->additional_gids != NULL && cfg->additional_gids_count == 0);
  oci_config_free(cfg);
}

TEST(config_null_is_absent)
{
  struct oci_config *cfg = parse(MIN_HEAD ", \"process\": null, \"hostname\": null, "
                                          "\"mounts\": null, \"linux\": null}");

  CHECK(cfg != NULL);
  if (cfg == NULL)
    return;
  CHECK(!cfg->has_process);
  CHECK(cfg->hostname == NULL);
  CHECK(cfg->mounts != NULL && cfg->mounts_count == 0);
  oci_config_free(cfg);
}

TEST(config_missing_required)
{
  CHECK_ERROR("{\"root\": {\"path\": \"r\"}}", "config.json: .ociVersion: missing");
  CHECK_ERROR("{\"ociVersion\": \"1.0.0\"}", "config.json: .root.path: missing");
  CHECK_ERROR("{\"ociVersion\": \"1.0.0\", \"root\": {}}", "config.json: .root.path: missing");
  CHECK_ERROR("{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": null}}",
              "config.json: .root.path: missing");
  CHECK_ERROR(MIN_HEAD ", \"process\": {}}", "config.json: .process.args: missing");
  CHECK_ERROR(MIN_HEAD ", \"mounts\": [{\"type\": \"tmpfs\"}]}",
              "config.json: .mounts[0].destination: missing");
  CHECK_ERROR(MIN_HEAD ", \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {}]}}",
              "config.json: .linux.namespaces[1].type: missing");
  CHECK_ERROR(WITH_PROCESS("\"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"hard\": 1}]"),
              "config.json: .process.rlimits[0].soft: missing");
}

TEST(config_wrong_types)
{
  CHECK_ERROR("{\"ociVersion\": 1, \"root\": {\"path\": \"r\"}}",
              "config.json: .ociVersion: expected a string");
  CHECK_ERROR("{\"ociVersion\": \"1\", \"root\": {\"path\": []}}",
              "config.json: .root.path: expected a string");
  CHECK_ERROR("{\"ociVersion\": \"1\", \"root\": \"rootfs\"}",
              "config.json: .root: expected an object");
  CHECK_ERROR("{\"ociVersion\": \"1\", \"root\": {\"path\": \"\"}}",
              "config.json: .root.path: expected a non-empty string");
  CHECK_ERROR(MIN_HEAD ", \"process\": [\"sh\"]}", "config.json: .process: expected an object");
  CHECK_ERROR(WITH_PROCESS("\"terminal\": \"yes\""),
              "config.json: .process.terminal: expected a boolean");
  CHECK_ERROR(WITH_PROCESS("\"env\": {\"A\": \"b\"}"),
              "config.json: .process.env: expected an array of strings");
  CHECK_ERROR(WITH_PROCESS("\"cwd\": 7"), "config.json: .process.cwd: expected a string");
  CHECK_ERROR(MIN_HEAD ", \"hostname\": true}", "config.json: .hostname: expected a string");
  CHECK_ERROR("{\"ociVersion\": \"1\", \"root\": {\"path\": \"r\", \"readonly\": 1}}",
              "config.json: .root.readonly: expected a boolean");
  CHECK_ERROR(MIN_HEAD ", \"linux\": {\"namespaces\": {}}}",
              "config.json: .linux.namespaces: expected an array");
  CHECK_ERROR(MIN_HEAD ", \"linux\": {\"resources\": {\"memory\": 5}}}",
              "config.json: .linux.resources.memory: expected an object");
  CHECK_ERROR(WITH_PROCESS("\"rlimits\": [\"RLIMIT_CORE\"]"),
              "config.json: .process.rlimits[0]: expected an object");
}

TEST(config_args)
{
  CHECK_ERROR(MIN_HEAD ", \"process\": {\"args\": \"sh\"}}",
              "config.json: .process.args: expected an array of strings");
  CHECK_ERROR(MIN_HEAD ", \"process\": {\"args\": [\"sh\", 1]}}",
              "config.json: .process.args: expected an array of strings");
  CHECK_ERROR(MIN_HEAD ", \"process\": {\"args\": [\"sh\", null]}}",
              "config.json: .process.args: expected an array of strings");
  CHECK_ERROR(MIN_HEAD ", \"process\": {\"args\": []}}",
              "config.json: .process.args: expected a non-empty array of strings");
}

TEST(config_uid_range)
{
  struct oci_config *cfg = parse(WITH_PROCESS("\"user\": {\"uid\": 4294967295, \"gid\": 0}"));

  CHECK(cfg != NULL && cfg->uid == UINT32_MAX);
  oci_config_free(cfg);
  CHECK_ERROR(WITH_PROCESS("\"user\": {\"uid\": -1}"),
              "config.json: .process.user.uid: expected an unsigned 32-bit integer");
  CHECK_ERROR(WITH_PROCESS("\"user\": {\"uid\": 4294967296}"),
              "config.json: .process.user.uid: expected an unsigned 32-bit integer");
  CHECK_ERROR(WITH_PROCESS("\"user\": {\"uid\": 99999999999999999999999}"),
              "config.json: .process.user.uid: expected an unsigned 32-bit integer");
  CHECK_ERROR(WITH_PROCESS("\"user\": {\"gid\": -0}"),
              "config.json: .process.user.gid: expected an unsigned 32-bit integer");
}

TEST(config_uid_non_integer)
{
  CHECK_ERROR(WITH_PROCESS("\"user\": {\"uid\": 1.5}"),
              "config.json: .process.user.uid: expected an unsigned 32-bit integer");
  CHECK_ERROR(WITH_PROCESS("\"user\": {\"uid\": 1e3}"),
              "config.json: .process.user.uid: expected an unsigned 32-bit integer");
  CHECK_ERROR(WITH_PROCESS("\"user\": {\"uid\": 0.0}"),
              "config.json: .process.user.uid: expected an unsigned 32-bit integer");
  CHECK_ERROR(WITH_PROCESS("\"user\": {\"uid\": \"0\"}"),
              "config.json: .process.user.uid: expected an unsigned 32-bit integer");
  CHECK_ERROR(WITH_PROCESS("\"user\": {\"umask\": true}"),
              "config.json: .process.user.umask: expected an unsigned 32-bit integer");
  CHECK_ERROR(WITH_PROCESS("\"user\": {\"additionalGids\": [1, -2]}"),
              "config.json: .process.user.additionalGids[1]: expected an unsigned 32-bit integer");
  CHECK_ERROR(WITH_PROCESS("\"user\": {\"additionalGids\": 5}"),
              "config.json: .process.user.additionalGids: expected an array");
  CHECK_ERROR(WITH_PROCESS("\"user\": []"), "config.json: .process.user: expected an object");
}

TEST(config_rlimit_range)
{
  CHECK_ERROR(WITH_PROCESS("\"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"hard\": -1, \"soft\": 0}]"),
              "config.json: .process.rlimits[0].hard: expected an unsigned 64-bit integer");
  CHECK_ERROR(WITH_PROCESS("\"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"hard\": 1, "
                           "\"soft\": 18446744073709551616}]"),
              "config.json: .process.rlimits[0].soft: expected an unsigned 64-bit integer");
  CHECK_ERROR(WITH_PROCESS("\"rlimits\": [{\"type\": 3, \"hard\": 1, \"soft\": 1}]"),
              "config.json: .process.rlimits[0].type: expected a string");
}

TEST(config_memory_range)
{
  struct oci_config *cfg = parse(MIN_HEAD ", \"linux\": {\"resources\": {\"memory\": "
                                          "{\"limit\": 9223372036854775807, \"reservation\": "
                                          "-9223372036854775808, \"swap\": 0}}}}");

  CHECK(cfg != NULL);
  if (cfg != NULL) {
    CHECK(cfg->resources.memory_limit == INT64_MAX);
    CHECK(cfg->resources.memory_reservation == INT64_MIN);
    CHECK(cfg->resources.has_memory_swap && cfg->resources.memory_swap == 0);
  }
  oci_config_free(cfg);
  CHECK_ERROR(MIN_HEAD ", \"linux\": {\"resources\": {\"memory\": {\"limit\": "
                       "9223372036854775808}}}}",
              "config.json: .linux.resources.memory.limit: expected a 64-bit integer");
  CHECK_ERROR(MIN_HEAD ", \"linux\": {\"resources\": {\"memory\": {\"swap\": 1.5}}}}",
              "config.json: .linux.resources.memory.swap: expected a 64-bit integer");
}

TEST(config_relative_cwd)
{
  CHECK_ERROR(WITH_PROCESS("\"cwd\": \"work\""),
              "config.json: .process.cwd: expected an absolute path");
  CHECK_ERROR(WITH_PROCESS("\"cwd\": \"\""),
              "config.json: .process.cwd: expected an absolute path");
}

TEST(config_mount_errors)
{
  CHECK_ERROR(MIN_HEAD ", \"mounts\": [{\"destination\": \"/a\"}, {\"destination\": \"/b\"}, "
                       "{\"destination\": 3}]}",
              "config.json: .mounts[2].destination: expected a string");
  CHECK_ERROR(MIN_HEAD ", \"mounts\": [[]]}", "config.json: .mounts[0]: expected an object");
  CHECK_ERROR(MIN_HEAD ", \"mounts\": {}}", "config.json: .mounts: expected an array");
  CHECK_ERROR(MIN_HEAD ", \"mounts\": [{\"destination\": \"/a\", \"options\": [\"ro\", 1]}]}",
              "config.json: .mounts[0].options: expected an array of strings");
  CHECK_ERROR(MIN_HEAD ", \"mounts\": [{\"destination\": \"/a\", \"source\": {}}]}",
              "config.json: .mounts[0].source: expected a string");
}

TEST(config_annotations)
{
  struct oci_config *cfg = parse(MIN_HEAD ", \"annotations\": {\"k\": \"1\", \"k\": \"2\"}}");

  CHECK(cfg != NULL);
  if (cfg != NULL)
    CHECK_EQ_STR(oci_config_annotation(cfg, "k"), "2");
  oci_config_free(cfg);
  CHECK_ERROR(MIN_HEAD ", \"annotations\": {\"foo\": 1}}",
              "config.json: .annotations[\"foo\"]: expected a string");
  CHECK_ERROR(MIN_HEAD ", \"annotations\": {\"ok\": \"x\", \"foo\": null}}",
              "config.json: .annotations[\"foo\"]: expected a string");
  CHECK_ERROR(MIN_HEAD ", \"annotations\": {\"a\\\"b\\\\c\\nd\": []}}",
              "config.json: .annotations[\"a\\\"b\\\\c\\u000ad\"]: expected a string");
  CHECK_ERROR(MIN_HEAD ", \"annotations\": [\"a\"]}",
              "config.json: .annotations: expected an object");
}

TEST(config_malformed_json)
{
  CHECK_ERROR("{a}", "config.json: invalid JSON: lexical error: invalid char in json text.");
  CHECK_ERROR("{", "config.json: invalid JSON: parse error: premature EOF");
  CHECK_ERROR("", "config.json: invalid JSON: parse error: premature EOF");
  CHECK_ERROR("{\"ociVersion\": \"1\"} x",
              "config.json: invalid JSON: parse error: trailing garbage");
}

TEST(config_malformed_message_single_line)
{
  cleanup_free char *msg = parse_error("{\"a\":\n\n\t[1,,2]}");

  CHECK(msg != NULL);
  if (msg == NULL)
    return;
  CHECK(strncmp(msg, "config.json: invalid JSON: ", 27) == 0);
  CHECK(strchr(msg, '\n') == NULL && strchr(msg, '\t') == NULL);
  CHECK(msg[strlen(msg) - 1] != ' ');
  CHECK(strstr(msg, "  ") == NULL);
}

TEST(config_top_level_not_object)
{
  CHECK_ERROR("[]", "config.json: expected a JSON object");
  CHECK_ERROR("[{\"ociVersion\": \"1\"}]", "config.json: expected a JSON object");
  CHECK_ERROR("\"x\"", "config.json: expected a JSON object");
  CHECK_ERROR("42", "config.json: expected a JSON object");
  CHECK_ERROR("null", "config.json: expected a JSON object");
}

TEST(config_unknown_fields_ignored)
{
  struct oci_config *cfg =
      parse("{\"ociVersion\": \"1.0.0\", \"x-vendor\": {\"a\": [1, 2.5, null, true]},"
            " \"root\": {\"path\": \"r\", \"extra\": 1e400},"
            " \"process\": {\"args\": [\"a\"], \"capabilities\": {\"bounding\": []},"
            "  \"user\": {\"uid\": 1, \"username\": \"x\"}, \"apparmorProfile\": 5},"
            " \"linux\": {\"seccomp\": {}, \"resources\": {\"cpu\": {\"shares\": 2},"
            "  \"memory\": {\"kernel\": \"weird\"}}},"
            " \"mounts\": [{\"destination\": \"/x\", \"uidMappings\": [], \"gidMappings\": 7}]}");

  CHECK(cfg != NULL);
  if (cfg == NULL)
    return;
  CHECK_EQ_INT(cfg->uid, 1);
  CHECK_EQ_INT(cfg->mounts_count, 1);
  CHECK(!cfg->resources.has_memory_limit);
  oci_config_free(cfg);
}

TEST(config_unicode_strings)
{
  struct oci_config *cfg =
      parse(MIN_HEAD ", \"hostname\": \"h\\u00e9te\","
                     " \"process\": {\"args\": [\"\xc3\xa9\xe2\x82\xac\", \"\\ud83d\\ude00\"]},"
                     " \"annotations\": {\"\xe6\x97\xa5\": \"\\u65e5\"}}");

  CHECK(cfg != NULL);
  if (cfg == NULL)
    return;
  CHECK_EQ_STR(cfg->hostname, "h\xc3\xa9te");
  CHECK_EQ_STR(cfg->args[0], "\xc3\xa9\xe2\x82\xac");
  CHECK_EQ_STR(cfg->args[1], "\xf0\x9f\x98\x80");
  CHECK_EQ_STR(oci_config_annotation(cfg, "\xe6\x97\xa5"), "\xe6\x97\xa5");
  oci_config_free(cfg);
  /* Invalid UTF-8 is a yajl lexical error, reported as invalid JSON. */
  cleanup_free char *msg = parse_error(MIN_HEAD ", \"hostname\": \"\xff\xfe\"}");
  CHECK(msg != NULL && strncmp(msg, "config.json: invalid JSON: lexical error", 40) == 0);
}

static char *nested(size_t depth, const char *inner)
{
  size_t len = strlen(inner);
  char *s = xmalloc(2 * depth + len + 64);
  char *p = s + sprintf(s, MIN_HEAD ", \"x\": ");

  memset(p, '[', depth);
  memcpy(p + depth, inner, len);
  memset(p + depth + len, ']', depth);
  strcpy(p + 2 * depth + len, "}");
  return s;
}

TEST(config_deep_nesting)
{
  cleanup_free char *ok = nested(500, "{\"a\": 1}");
  cleanup_free char *deep = nested(1000000, "");
  cleanup_free char *unclosed = nested(1000000, "");
  struct oci_config *cfg = parse(ok);

  CHECK(cfg != NULL);
  oci_config_free(cfg);
  CHECK_ERROR(deep, "config.json: invalid JSON: nesting too deep");
  unclosed[strlen(MIN_HEAD ", \"x\": ") + 5000] = '\0';
  CHECK_ERROR(unclosed, "config.json: invalid JSON: nesting too deep");
  /* Brackets inside strings are not nesting. */
  cleanup_free char *in_str = nested(0, "\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"");
  cfg = parse(in_str);
  CHECK(cfg != NULL);
  oci_config_free(cfg);
}

TEST(config_nul_bytes)
{
  static const char with_nul[] = MIN_HEAD "}\0garbage";
  struct oci_config *cfg;

  CHECK_ERROR(MIN_HEAD ", \"hostname\": \"a\\u0000b\"}",
              "config.json: invalid JSON: \\u0000 in a string is not supported");
  cleanup_free char *msg = parse_error_len(with_nul, sizeof(with_nul) - 1);
  CHECK_EQ_STR(msg, "config.json: invalid JSON: unexpected NUL byte");
  /* An escaped backslash followed by u0000 is ordinary text. */
  cfg = parse(MIN_HEAD ", \"hostname\": \"a\\\\u0000b\"}");
  CHECK(cfg != NULL && strcmp(cfg->hostname, "a\\u0000b") == 0);
  oci_config_free(cfg);
}

TEST(config_comments_rejected)
{
  CHECK_ERROR(MIN_HEAD " /* c */ }", "config.json: invalid JSON: comments are not allowed");
  CHECK_ERROR("// c\n" MIN_HEAD "}", "config.json: invalid JSON: comments are not allowed");
  struct oci_config *cfg = parse(MIN_HEAD ", \"hostname\": \"a/*b*/\"}");
  CHECK(cfg != NULL);
  oci_config_free(cfg);
}

TEST(config_uses_only_size_bytes)
{
  static const char text[] = MIN_HEAD "}trailing garbage";
  struct oci_config *cfg = parse_len(text, strlen(MIN_HEAD "}"));

  CHECK(cfg != NULL);
  oci_config_free(cfg);
}

TEST(config_default_spec_roundtrip)
{
  cleanup_free char *text = oci_default_spec();
  struct oci_config *cfg;
  size_t len = strlen(text);

  CHECK(len > 2 && text[len - 1] == '\n' && text[len - 2] == '}');
  CHECK(strncmp(text, "{\n  \"ociVersion\"", 16) == 0);
  cfg = parse(text);
  CHECK(cfg != NULL);
  if (cfg == NULL)
    return;
  CHECK(cfg->has_process && cfg->terminal && cfg->no_new_privileges);
  CHECK_EQ_INT(cfg->args_count, 1);
  CHECK_EQ_STR(cfg->args[0], "sh");
  CHECK_EQ_INT(cfg->env_count, 2);
  CHECK_EQ_STR(cfg->env[0], "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  CHECK_EQ_STR(cfg->env[1], "TERM=xterm");
  CHECK_EQ_STR(cfg->cwd, "/");
  CHECK(cfg->uid == 0 && cfg->gid == 0);
  CHECK_EQ_INT(cfg->rlimits_count, 1);
  CHECK_EQ_STR(cfg->rlimits[0].type, "RLIMIT_NOFILE");
  CHECK(cfg->rlimits[0].hard == 1024 && cfg->rlimits[0].soft == 1024);
  CHECK_EQ_STR(cfg->root_path, "rootfs");
  CHECK(cfg->root_readonly);
  CHECK_EQ_STR(cfg->hostname, "hacher");
  CHECK_EQ_INT(cfg->mounts_count, 7);
  CHECK_EQ_STR(cfg->mounts[6].destination, "/sys/fs/cgroup");
  CHECK_EQ_INT(cfg->namespaces_count, 6);
  CHECK_EQ_STR(cfg->namespaces[5].type, "cgroup");
  oci_config_free(cfg);
}

/* A fresh directory with config.json holding `text` (NULL: no file). */
static char *make_bundle(const char *text)
{
  char tmpl[] = "/tmp/hacher-cfg-XXXXXX";
  char *dir = xstrdup(mkdtemp(tmpl));

  if (text != NULL) {
    cleanup_free char *path = xasprintf("%s/config.json", dir);
    hacher_error_t err = NULL;
    CHECK(write_file_atomic(path, text, strlen(text), 0600, &err) == 0);
    hacher_error_release(&err);
  }
  return dir;
}

static char *load_error(const char *bundle)
{
  struct oci_config *cfg = NULL;
  hacher_error_t err = NULL;
  char *msg;

  if (oci_config_load(bundle, &cfg, &err) == 0) {
    oci_config_free(cfg);
    return NULL;
  }
  msg = xstrdup(err->msg);
  hacher_error_release(&err);
  return msg;
}

TEST(config_load_paths)
{
  cleanup_free char *dir = make_bundle(MIN_HEAD "}");
  cleanup_free char *slash = xasprintf("%s//", dir);
  struct oci_config *cfg = NULL;
  hacher_error_t err = NULL;

  CHECK(oci_config_load(dir, &cfg, &err) == 0);
  oci_config_free(cfg);
  cfg = NULL;
  CHECK(oci_config_load(slash, &cfg, &err) == 0);
  CHECK(cfg != NULL && strcmp(cfg->root_path, "rootfs") == 0);
  oci_config_free(cfg);
  hacher_error_release(&err);
  cleanup_free char *path = xasprintf("%s/config.json", dir);
  unlink(path);
  rmdir(dir);
}

TEST(config_load_errors)
{
  cleanup_free char *bad = make_bundle("{\"ociVersion\": \"1\"}");
  cleanup_free char *empty = make_bundle(NULL);
  cleanup_free char *bad_msg = load_error(bad);
  cleanup_free char *empty_msg = load_error(empty);
  cleanup_free char *want_bad = xasprintf("%s/config.json: .root.path: missing", bad);
  cleanup_free char *want_empty =
      xasprintf("open \"%s/config.json\": No such file or directory", empty);
  cleanup_free char *cwd = getcwd(NULL, 0);

  CHECK_EQ_STR(bad_msg, want_bad);
  CHECK_EQ_STR(empty_msg, want_empty);
  CHECK(chdir(empty) == 0);
  cleanup_free char *dot_msg = load_error(".");
  cleanup_free char *blank_msg = load_error("");
  CHECK_EQ_STR(dot_msg, "open \"config.json\": No such file or directory");
  CHECK_EQ_STR(blank_msg, "open \"config.json\": No such file or directory");
  CHECK(chdir(bad) == 0);
  cleanup_free char *dot_bad = load_error("./");
  CHECK_EQ_STR(dot_bad, "config.json: .root.path: missing");
  CHECK(chdir(cwd) == 0);
  cleanup_free char *bad_path = xasprintf("%s/config.json", bad);
  unlink(bad_path);
  rmdir(bad);
  rmdir(empty);
}

TEST(config_linux_extras)
{
  struct oci_config *cfg = parse(
      MIN_HEAD ", \"linux\": {\"cgroupsPath\": \"/h/c1\", \"readonlyPaths\": [\"/proc/sys\"],"
               " \"maskedPaths\": [\"/proc/kcore\", \"/sys/firmware\"], \"resources\": {"
               "\"cpu\": {\"shares\": 512, \"quota\": 50000, \"period\": 100000, \"cpus\": \"0-1\","
               " \"mems\": \"0\"}, \"pids\": {\"limit\": 64}}}}");

  CHECK(cfg != NULL);
  if (cfg == NULL)
    return;
  CHECK_EQ_STR(cfg->cgroups_path, "/h/c1");
  CHECK_EQ_INT(cfg->readonly_paths_count, 1);
  CHECK_EQ_STR(cfg->masked_paths[1], "/sys/firmware");
  CHECK(cfg->masked_paths[2] == NULL);
  CHECK(cfg->resources.has_cpu_shares && cfg->resources.cpu_shares == 512);
  CHECK(cfg->resources.has_cpu_quota && cfg->resources.cpu_quota == 50000);
  CHECK(cfg->resources.has_cpu_period && cfg->resources.cpu_period == 100000);
  CHECK_EQ_STR(cfg->resources.cpuset_cpus, "0-1");
  CHECK_EQ_STR(cfg->resources.cpuset_mems, "0");
  CHECK(cfg->resources.has_pids_limit && cfg->resources.pids_limit == 64);
  CHECK(!cfg->resources.has_memory_limit);
  oci_config_free(cfg);
  CHECK_ERROR(MIN_HEAD ", \"linux\": {\"resources\": {\"cpu\": {\"shares\": -1}}}}",
              "config.json: .linux.resources.cpu.shares: expected an unsigned 64-bit integer");
  CHECK_ERROR(MIN_HEAD ", \"linux\": {\"resources\": {\"pids\": {\"limit\": \"x\"}}}}",
              "config.json: .linux.resources.pids.limit: expected a 64-bit integer");
  CHECK_ERROR(MIN_HEAD ", \"linux\": {\"maskedPaths\": \"/proc\"}}",
              "config.json: .linux.maskedPaths: expected an array of strings");
}

TEST(config_process_extras)
{
  struct oci_config *cfg = parse(WITH_PROCESS(
      "\"oomScoreAdj\": -17, \"consoleSize\": {\"height\": 24, \"width\": 80},"
      " \"capabilities\": {\"bounding\": [\"CAP_KILL\", \"CAP_CHOWN\"], \"ambient\": []}"));

  CHECK(cfg != NULL);
  if (cfg == NULL)
    return;
  CHECK(cfg->has_oom_score_adj && cfg->oom_score_adj == -17);
  CHECK_EQ_INT(cfg->console_height, 24);
  CHECK_EQ_INT(cfg->console_width, 80);
  CHECK_EQ_INT(cfg->caps_count[OCI_CAP_BOUNDING], 2);
  CHECK_EQ_STR(cfg->caps[OCI_CAP_BOUNDING][1], "CAP_CHOWN");
  CHECK(cfg->caps[OCI_CAP_EFFECTIVE] != NULL && cfg->caps_count[OCI_CAP_EFFECTIVE] == 0);
  oci_config_free(cfg);
  CHECK_ERROR(WITH_PROCESS("\"oomScoreAdj\": 1001"),
              "config.json: .process.oomScoreAdj: expected a value from -1000 to 1000");
  CHECK_ERROR(WITH_PROCESS("\"capabilities\": {\"effective\": [1]}"),
              "config.json: .process.capabilities.effective: expected an array of strings");
}

TEST(config_hooks)
{
  struct oci_config *cfg = parse(
      MIN_HEAD ", \"hooks\": {\"prestart\": [{\"path\": \"/bin/a\", \"args\": [\"a\", \"1\"]}],"
               " \"poststop\": [{\"path\": \"/bin/b\", \"env\": [\"X=1\"], \"timeout\": 5},"
               " {\"path\": \"/bin/c\"}]}}");

  CHECK(cfg != NULL);
  if (cfg == NULL)
    return;
  CHECK_EQ_INT(cfg->hooks_count[OCI_HOOK_PRESTART], 1);
  CHECK_EQ_STR(cfg->hooks[OCI_HOOK_PRESTART][0].args[1], "1");
  CHECK_EQ_INT(cfg->hooks_count[OCI_HOOK_CREATE_RUNTIME], 0);
  CHECK_EQ_INT(cfg->hooks_count[OCI_HOOK_POSTSTOP], 2);
  CHECK(cfg->hooks[OCI_HOOK_POSTSTOP][0].has_timeout &&
        cfg->hooks[OCI_HOOK_POSTSTOP][0].timeout == 5);
  CHECK_EQ_STR(cfg->hooks[OCI_HOOK_POSTSTOP][1].path, "/bin/c");
  oci_config_free(cfg);
  CHECK_ERROR(MIN_HEAD ", \"hooks\": {\"poststart\": [{\"path\": \"rel\"}]}}",
              "config.json: .hooks.poststart[0].path: expected an absolute path");
  CHECK_ERROR(MIN_HEAD ", \"hooks\": {\"prestart\": [{\"path\": \"/x\", \"timeout\": 0}]}}",
              "config.json: .hooks.prestart[0].timeout: expected a positive number of seconds");
  CHECK_ERROR(MIN_HEAD ", \"hooks\": {\"prestart\": {}}}",
              "config.json: .hooks.prestart: expected an array");
}

TEST(resources_document)
{
  struct oci_resources r;
  hacher_error_t err = NULL;
  const char *doc = "{\"memory\": {\"limit\": 1048576}, \"pids\": {\"limit\": 10}}";

  CHECK(oci_resources_parse("-", doc, strlen(doc), &r, &err) == 0);
  CHECK(r.has_memory_limit && r.memory_limit == 1048576);
  CHECK(r.has_pids_limit && r.pids_limit == 10 && !r.has_cpu_shares);
  oci_resources_free(&r);
  CHECK(oci_resources_parse("res.json", "{\"cpu\": []}", 11, &r, &err) < 0);
  CHECK(err != NULL && strcmp(err->msg, "res.json: .cpu: expected an object") == 0);
  hacher_error_release(&err);
}
