from opengauge.cli.main import main

main()
