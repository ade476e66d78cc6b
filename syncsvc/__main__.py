from syncsvc.cli import main

raise SystemExit(main())
