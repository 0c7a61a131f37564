"""The `bangban` console command: Django's management commands under the project's name."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bangban.settings")
    from django.core.management import execute_from_command_line

    argv = sys.argv[:]
    argv[0] = "bangban"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
