fn main() {
    eprintln!("cira-operator: not implemented yet");
    std::process::exit(2);
}
