#!/usr/bin/env python
from bangban.__main__ import main

if __name__ == "__main__":
    main()
