from livecut.cli import main

if __name__ == "__main__":
    main()
