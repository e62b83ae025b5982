/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fnlaunch's commands that talk to fnlaunchd (client.c). */
#ifndef LNCH_CLIENT_H
#define LNCH_CLIENT_H

#include <stdbool.h>

bool client_is_command(const char *cmd);
/* Run the command argv[0]; returns the exit status, or -1 for --help. */
int client_main(int argc, char **argv);

#endif
