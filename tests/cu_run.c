#include "cu_run.h"

#include <CUnit/Basic.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>

int cu_run(const char *suite_name, CU_TestInfo *cases)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    CU_SuiteInfo suites[] = {
        {(char *)suite_name, NULL, NULL, NULL, NULL, cases},
        CU_SUITE_INFO_NULL,
    };
    if (CU_register_suites(suites) != CUE_SUCCESS) {
        fprintf(stderr, "cannot register suite %s: %s\n", suite_name, CU_get_error_msg());
        CU_cleanup_registry();
        return 2;
    }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failures = CU_get_number_of_failures();
    unsigned run = CU_get_number_of_tests_run();
    unsigned failed_tests = CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    printf("%s: %u passed, %u failed\n", suite_name, run - failed_tests, failed_tests);
    return failures == 0 ? 0 : 1;
}

static void remove_tree(const char *path)
{
    GDir *dir = g_dir_open(path, 0, NULL);
    if (dir) {
        const char *name;
        while ((name = g_dir_read_name(dir)) != NULL) {
            char *child = g_build_filename(path, name, NULL);
            if (g_file_test(child, G_FILE_TEST_IS_DIR) &&
                !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
                remove_tree(child);
            else
                g_unlink(child);
            g_free(child);
        }
        g_dir_close(dir);
    }
    g_rmdir(path);
}

char *cu_scratch_dir(const char *name)
{
    g_autofree char *cwd = g_get_current_dir();
    char *path = g_build_filename(cwd, "scratch", name, NULL);
    remove_tree(path);
    g_mkdir_with_parents(path, 0755);
    return path;
}
