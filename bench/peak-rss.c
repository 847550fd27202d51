/*
 * peak-rss FILE PROGRAM [ARGUMENT...]: runs PROGRAM, writes its peak resident set (KiB, from
 * wait4) to FILE, and exits with its status.
 *
 * bench/run measures memory through this small process instead of directly: Linux keeps a
 * process's peak across exec, and a child of the benchmark starts as a copy of the Python
 * interpreter (about 16 MiB), so every program it runs would seem to need at least that much.
 */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: peak-rss FILE PROGRAM [ARGUMENT...]\n");
        return 2;
    }
    pid_t child = fork();
    if (child < 0) return 2;
    if (child == 0) {
        execv(argv[2], argv + 2);
        _exit(127);
    }
    int status = 0;
    struct rusage usage;
    if (wait4(child, &status, 0, &usage) < 0) return 2;
    FILE *out = fopen(argv[1], "w");
    if (!out) return 2;
    fprintf(out, "%ld\n", usage.ru_maxrss);
    fclose(out);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
