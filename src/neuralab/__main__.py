"""``python -m neuralab`` is the ``neuralab`` command."""

from .cli import main

if __name__ == "__main__":
    main()
